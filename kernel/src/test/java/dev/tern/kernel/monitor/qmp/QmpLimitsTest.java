package dev.tern.kernel.monitor.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tern.kernel.json.JsonValues;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** QMP's input limits at the limit and one past: message size ({@link QmpSession#MAX_MESSAGE}), number range, JSON nesting. */
class QmpLimitsTest {

    /** {"a":"xxx..."} of exactly {@code bytes} bytes. */
    private static byte[] message(int bytes) {
        String head = "{\"a\":\"";
        String tail = "\"}";
        return (head + "x".repeat(bytes - head.length() - tail.length()) + tail).getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aMessageOfTheLimitIsKeptAndOneBytePastIsSkippedAsOversized() throws IOException {
        byte[] at = message(QmpSession.MAX_MESSAGE);
        var framer = new JsonFramer(new ByteArrayInputStream(at), QmpSession.MAX_MESSAGE);
        assertEquals(QmpSession.MAX_MESSAGE, assertInstanceOf(JsonFramer.Message.class, framer.next()).bytes().length);
        byte[] past = message(QmpSession.MAX_MESSAGE + 1);
        framer = new JsonFramer(new ByteArrayInputStream(past), QmpSession.MAX_MESSAGE);
        assertEquals(QmpSession.MAX_MESSAGE + 1L, assertInstanceOf(JsonFramer.Oversized.class, framer.next()).bytes());
    }

    /** Fuzzing finding 3: 1E0457 parsed as Infinity, which the writer then refused to write. */
    @Test
    void numbersUpToTheLargestDoubleParseAndBeyondAreRefused() {
        assertEquals(Double.MAX_VALUE, JsonValues.parse("[1.7976931348623157e308]") instanceof java.util.List<?> l
                ? l.getFirst() : null);
        for (String beyond : new String[] {"1.7976931348623159e308", "-1E0457", "1" + "0".repeat(400)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonValues.parse("[" + beyond + "]"));
            assertEquals("JSON parse error at character 1: number out of range: its magnitude exceeds a 64-bit"
                    + " floating-point number", e.getMessage());
        }
    }

    @Test
    void nestingToTheDepthLimitParsesAndOneDeeperIsRefused() {
        int depth = JsonValues.MAX_DEPTH;
        JsonValues.parse("[".repeat(depth) + "]".repeat(depth));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JsonValues.parse("[".repeat(depth + 1) + "]".repeat(depth + 1)));
        assertEquals("JSON parse error at character " + depth + ": nesting deeper than " + depth, e.getMessage());
    }
}
