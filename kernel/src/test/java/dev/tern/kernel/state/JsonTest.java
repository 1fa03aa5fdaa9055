package dev.tern.kernel.state;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {

    @Test
    void writesAndParsesBackTheSameValues() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\n\u0001\u00e9");
        m.put("n", -9007199254740993L);
        m.put("t", true);
        m.put("z", null);
        m.put("l", List.of(1L, List.of(), Map.of()));
        String text = Json.write(m);
        assertEquals("{\"s\":\"a\\\"b\\\\c\\n\\u0001\u00e9\",\"n\":-9007199254740993,\"t\":true,\"z\":null,"
                + "\"l\":[1,[],{}]}", text);
        assertEquals(m, Json.parse(text));
        assertEquals(Map.of("a", List.of(0L)), Json.parse(" { \"a\" : [ 0 ] } "));
    }

    @Test
    void refusesEverythingOutsideTheMinimalGrammar() {
        for (String bad : new String[] {"", "{", "{\"a\":1,}", "[1,]", "01", "1.5", "1e3", "{\"a\":1,\"a\":2}",
                "\"x", "\"\\q\"", "\"\u0001\"", "tru", "[1] x", "99999999999999999999", "{1:2}", "'a'"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("JSON: "), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[".repeat(100) + "]".repeat(100)));
    }
}
