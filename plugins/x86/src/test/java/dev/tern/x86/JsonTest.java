package dev.tern.x86;

import dev.tern.x86.conformance.Json;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {

    @Test
    void parsesNestedValues() {
        Object v = Json.parse(" {\"a\": [1, -2, 3.5e1, true, false, null], \"s\": \"x\\u0041\\n\"} ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of(1L, -2L, 35.0, true, false), ((List<?>) m.get("a")).subList(0, 5));
        assertEquals("xA\n", m.get("s"));
    }

    @Test
    void rejectsMalformedInputNamingTheOffset() {
        for (String bad : new String[] {"[1,]", "{\"a\":1,\"a\":2}", "[01]", "\"\\q\"", "[1] x", "{\"a\" 1}",
                "\"abc", "[1e]", "99999999999999999999", "\"\u0001\""}) {
            Json.JsonException e = assertThrows(Json.JsonException.class, () -> Json.parse(bad), bad);
            assertTrue(e.getMessage().contains("offset"), e.getMessage());
        }
    }

    @Test
    void deepNestingIsRefusedNotAStackOverflow() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        Json.JsonException e = assertThrows(Json.JsonException.class, () -> Json.parse(deep));
        assertTrue(e.getMessage().contains("nesting"), e.getMessage());
    }
}
