package dev.tern.kernel.monitor.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tern.kernel.json.JsonValues;
import dev.tern.testkit.fuzz.HostileInput;
import dev.tern.testkit.fuzz.SeedCorpus;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What a QMP client sends, split into messages by {@link JsonFramer} as the session does and parsed
 * with {@link JsonValues}: a message parses, or {@link IllegalArgumentException} (the session's
 * GenericError) says "JSON parse error" and where; what parses writes back as JSON that parses to the
 * same value. Nesting is bounded ({@link JsonValues#MAX_DEPTH}), so no input overflows the stack.
 * Seeds are a real client session (capabilities, commands with arguments, an error-provoking one).
 */
class QmpInputFuzzTest {

    private static final Pattern WHERE = Pattern.compile("^JSON parse error(, invalid UTF-8| at character \\d+: )");
    private static final int LIMIT = 64 << 10;

    @Test
    void seedsAreRealSessions() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("session", ("{\"execute\": \"qmp_capabilities\"}\n"
                + "{\"execute\": \"query-status\", \"id\": 1}\n"
                + "{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"tcp:127.0.0.1:4444\"}, \"id\": \"m\"}\n"
                + "{\"execute\": \"migrate-set-parameters\", \"arguments\": {\"max-bandwidth\": 104857600,"
                + " \"downtime-limit\": 300, \"compress\": [true, false, null, -1.5e3, \"\\u00e9\\n\"]}}\n")
                .getBytes(StandardCharsets.UTF_8));
        SeedCorpus.check(QmpInputFuzzTest.class, "messages", seeds);
    }

    @FuzzTest
    void messages(byte[] input) throws IOException {
        var framer = new JsonFramer(new ByteArrayInputStream(input), LIMIT);
        for (JsonFramer.Frame f = framer.next(); !(f instanceof JsonFramer.End); f = framer.next()) {
            if (!(f instanceof JsonFramer.Message m)) {
                continue;
            }
            Object[] value = new Object[1];
            Optional<IllegalArgumentException> refused = HostileInput.parse(IllegalArgumentException.class, WHERE,
                    32L * m.bytes().length + (64 << 10), () -> value[0] = JsonValues.parse(m.bytes()));
            if (refused.isEmpty()) {
                assertEquals(value[0], JsonValues.parse(JsonValues.writeCompact(value[0])), "written back and parsed again");
            }
        }
    }
}
