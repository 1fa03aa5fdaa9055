package dev.tern.x86.conformance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader (RFC 8259) for test vectors. Objects become {@link LinkedHashMap},
 * arrays {@link List}, integers {@link Long}, other numbers {@link Double}. Hostile input cannot
 * exhaust the stack (nesting is limited) and every error names the offset where parsing failed.
 */
public final class Json {

    /** Deepest nesting accepted. */
    public static final int MAX_DEPTH = 64;

    private final String text;
    private int pos;

    private Json(String text) {
        this.text = text;
    }

    /** Parses one JSON value that must span the whole text (surrounding whitespace allowed). */
    public static Object parse(String text) {
        Json j = new Json(text);
        j.skipWs();
        Object v = j.value(0);
        j.skipWs();
        if (j.pos != text.length()) {
            throw j.error("unexpected trailing data");
        }
        return v;
    }

    /** Thrown for malformed input. */
    public static final class JsonException extends RuntimeException {
        JsonException(String message) {
            super(message);
        }
    }

    private JsonException error(String what) {
        return new JsonException("JSON error at offset " + pos + ": " + what);
    }

    private void skipWs() {
        while (pos < text.length()) {
            char ch = text.charAt(pos);
            if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
                return;
            }
            pos++;
        }
    }

    private Object value(int depth) {
        if (depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH);
        }
        if (pos >= text.length()) {
            throw error("unexpected end of input");
        }
        char ch = text.charAt(pos);
        return switch (ch) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (ch == '-' || (ch >= '0' && ch <= '9')) {
                    yield number();
                }
                throw error("unexpected character '" + ch + "'");
            }
        };
    }

    private Object literal(String word, Object v) {
        if (!text.startsWith(word, pos)) {
            throw error("expected " + word);
        }
        pos += word.length();
        return v;
    }

    private Map<String, Object> object(int depth) {
        pos++;
        Map<String, Object> m = new LinkedHashMap<>();
        skipWs();
        if (peek() == '}') {
            pos++;
            return m;
        }
        while (true) {
            skipWs();
            if (peek() != '"') {
                throw error("expected a string key");
            }
            String key = string();
            skipWs();
            expect(':');
            skipWs();
            if (m.containsKey(key)) {
                throw error("duplicate key '" + key + "'");
            }
            m.put(key, value(depth + 1));
            skipWs();
            char ch = next();
            if (ch == '}') {
                return m;
            }
            if (ch != ',') {
                pos--;
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> array(int depth) {
        pos++;
        List<Object> list = new ArrayList<>();
        skipWs();
        if (peek() == ']') {
            pos++;
            return list;
        }
        while (true) {
            skipWs();
            list.add(value(depth + 1));
            skipWs();
            char ch = next();
            if (ch == ']') {
                return list;
            }
            if (ch != ',') {
                pos--;
                throw error("expected ',' or ']'");
            }
        }
    }

    private char peek() {
        if (pos >= text.length()) {
            throw error("unexpected end of input");
        }
        return text.charAt(pos);
    }

    private char next() {
        char ch = peek();
        pos++;
        return ch;
    }

    private void expect(char ch) {
        if (next() != ch) {
            pos--;
            throw error("expected '" + ch + "'");
        }
    }

    private String string() {
        pos++;
        StringBuilder sb = null;
        int start = pos;
        while (true) {
            char ch = next();
            if (ch == '"') {
                return sb == null ? text.substring(start, pos - 1) : sb.toString();
            }
            if (ch < 0x20) {
                pos--;
                throw error("control character in string");
            }
            if (ch == '\\') {
                if (sb == null) {
                    sb = new StringBuilder(text.substring(start, pos - 1));
                }
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> sb.append(unicodeEscape());
                    default -> {
                        pos--;
                        throw error("bad escape '\\" + e + "'");
                    }
                }
            } else if (sb != null) {
                sb.append(ch);
            }
        }
    }

    private char unicodeEscape() {
        if (pos + 4 > text.length()) {
            throw error("truncated \\u escape");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(text.charAt(pos + i), 16);
            if (d < 0) {
                throw error("bad hex digit in \\u escape");
            }
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }

    private Object number() {
        int start = pos;
        if (peekIs('-')) {
            pos++;
        }
        if (peekIs('0')) {
            pos++;
        } else {
            digits();
        }
        boolean integral = true;
        if (peekIs('.')) {
            pos++;
            digits();
            integral = false;
        }
        if (peekIs('e') || peekIs('E')) {
            pos++;
            if (peekIs('+') || peekIs('-')) {
                pos++;
            }
            digits();
            integral = false;
        }
        String s = text.substring(start, pos);
        if (integral) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                pos = start;
                throw error("integer out of range: " + s);
            }
        }
        return Double.parseDouble(s);
    }

    private boolean peekIs(char ch) {
        return pos < text.length() && text.charAt(pos) == ch;
    }

    private void digits() {
        int start = pos;
        while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
            pos++;
        }
        if (pos == start) {
            throw error("expected a digit");
        }
    }
}
