package dev.tern.kernel.monitor.qmp;

import dev.tern.kernel.json.JsonValues;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** QMP's JSON: strict parsing with positions in errors, one-line writing, and message framing. */
class JsonValuesTest {

    @Test
    void parsesEveryValueKind() {
        Object v = JsonValues.parse(" {\"a\": [1, -2, 3.5, 1e3, true, false, null, \"x\\u00e9\\n\\\"\"], \"b\": {}} ");
        var a = (List<?>) ((Map<?, ?>) v).get("a");
        assertEquals(Arrays.asList(1L, -2L, 3.5, 1000.0, true, false, null, "xé\n\""), a);
        assertEquals(Map.of(), ((Map<?, ?>) v).get("b"));
        assertEquals(1.8446744073709552E19, JsonValues.parse("18446744073709551616"), "beyond 64 bits: a double, as QEMU");
    }

    @Test
    void writesOneLineThatParsesBack() {
        var m = new LinkedHashMap<String, Object>();
        m.put("text", "tab\there \u0001 \"quoted\" back\\slash\nnewline");
        m.put("list", List.of(1L, 2.5, true));
        m.put("none", null);
        String line = JsonValues.write(m);
        assertTrue(!line.contains("\n") && !line.contains("\t"), line);
        assertEquals(m, JsonValues.parse(line));
        assertEquals("{\"a\": [1, 2]}", JsonValues.write(Map.of("a", List.of(1L, 2L))));
    }

    @Test
    void refusesBadTextNamingWhere() {
        for (var bad : Map.of(
                "{\"a\" 1}", "at character 5: expecting ':'",
                "[1,]", "at character 3: expecting a value, found ']'",
                "[01]", "at character 2: expecting ',' or ']'",
                "\"abc", "at character 4: unterminated string",
                "\"a\u0001\"", "at character 2: control character in a string",
                "\"\\u12g4\"", "at character 3: invalid \\u escape",
                "[1] [2]", "at character 4: unexpected content after the value",
                "-", "at character 1: invalid number",
                "tru", "at character 0: invalid literal").entrySet()) {
            var e = assertThrows(IllegalArgumentException.class, () -> JsonValues.parse(bad.getKey()), bad.getKey());
            assertEquals("JSON parse error " + bad.getValue(), e.getMessage(), bad.getKey());
        }
        assertThrows(IllegalArgumentException.class, () -> JsonValues.parse("[".repeat(65) + "]".repeat(65)));
        assertInstanceOf(List.class, JsonValues.parse("[".repeat(64) + "]".repeat(64)));
        var utf8 = assertThrows(IllegalArgumentException.class,
                () -> JsonValues.parse(new byte[] {'"', (byte) 0xff, '"'}));
        assertEquals("JSON parse error, invalid UTF-8 sequence in input", utf8.getMessage());
    }

    @Test
    void framesMessagesWithoutParsingThem() throws IOException {
        String stream = "{\"a\": \"}\\\"{\"} [1, [2]]\n  42 \n{\"big\": \"" + "x".repeat(100) + "\"}{\"b\": 1}{\"cut";
        var f = new JsonFramer(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)), 64);
        assertEquals("{\"a\": \"}\\\"{\"}", text(f.next()));
        assertEquals("[1, [2]]", text(f.next()));
        assertEquals("42 ", text(f.next()), "a bare token ends at white space");
        assertEquals(new JsonFramer.Oversized(111), f.next());
        assertEquals("{\"b\": 1}", text(f.next()), "the stream goes on after an oversized message");
        assertInstanceOf(JsonFramer.End.class, f.next(), "a message cut by the end of the stream is dropped");
    }

    private static String text(JsonFramer.Frame frame) {
        return new String(assertInstanceOf(JsonFramer.Message.class, frame).bytes(), StandardCharsets.UTF_8);
    }
}
