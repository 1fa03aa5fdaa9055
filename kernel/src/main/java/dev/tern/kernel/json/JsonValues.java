package dev.tern.kernel.json;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel's one JSON (QMP messages, the saved-state stream's trailer), on plain Java values:
 * objects are insertion-ordered {@code Map<String, Object>}, arrays {@code List<Object>}, strings,
 * integers as {@code Long}, other numbers as {@code Double}, booleans and {@code null}. Parsing is strict RFC 8259 (plus nothing), nests at most
 * {@value #MAX_DEPTH} deep, refuses duplicate keys, and names the byte offset of what is wrong.
 * Writing produces one line (QMP clients such as go-qemu split messages on newlines).
 */
public final class JsonValues {

    /** Deepest nesting a message may have; QAPI's deepest argument is far shallower. */
    public static final int MAX_DEPTH = 64;

    private final String text;
    private int pos;

    private JsonValues(String text) {
        this.text = text;
    }

    /** Parses one complete UTF-8 JSON text. */
    public static Object parse(byte[] utf8) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(utf8)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("JSON parse error, invalid UTF-8 sequence in input");
        }
        return parse(text);
    }

    /** Parses one complete JSON text. */
    public static Object parse(String text) {
        var p = new JsonValues(text);
        p.space();
        Object v = p.value(0);
        p.space();
        if (p.pos != text.length()) {
            throw p.error("unexpected content after the value");
        }
        return v;
    }

    /** The one-line JSON text of {@code value}. */
    public static String write(Object value) {
        var sb = new StringBuilder();
        write(sb, value, ", ", ": ");
        return sb.toString();
    }

    /** The JSON text of {@code value} without any space (the saved-state trailer's bytes are fixed). */
    public static String writeCompact(Object value) {
        var sb = new StringBuilder();
        write(sb, value, ",", ":");
        return sb.toString();
    }

    /** Appends {@code value}'s text as {@link #writeCompact} writes it. */
    public static void appendCompact(StringBuilder sb, Object value) {
        write(sb, value, ",", ":");
    }

    private static void write(StringBuilder sb, Object v, String comma, String colon) {
        switch (v) {
            case null -> sb.append("null");
            case Map<?, ?> m -> {
                sb.append('{');
                String sep = "";
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    sb.append(sep);
                    string(sb, (String) e.getKey());
                    sb.append(colon);
                    write(sb, e.getValue(), comma, colon);
                    sep = comma;
                }
                sb.append('}');
            }
            case List<?> l -> {
                sb.append('[');
                String sep = "";
                for (Object o : l) {
                    sb.append(sep);
                    write(sb, o, comma, colon);
                    sep = comma;
                }
                sb.append(']');
            }
            case String s -> string(sb, s);
            case Boolean b -> sb.append(b);
            case Long n -> sb.append(n);
            case Integer n -> sb.append(n);
            case Double d -> {
                if (d.isNaN() || d.isInfinite()) {
                    throw new IllegalArgumentException("JSON has no " + d);
                }
                sb.append(d);
            }
            default -> throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private Object value(int depth) {
        if (pos >= text.length()) {
            throw error("expecting a value, found the end of the input");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object(depth + 1);
            case '[' -> array(depth + 1);
            case '"' -> stringValue();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("expecting a value, found '" + printable(c) + "'");
            }
        };
    }

    private Map<String, Object> object(int depth) {
        nest(depth);
        pos++;
        var m = new LinkedHashMap<String, Object>();
        space();
        if (peek() == '}') {
            pos++;
            return m;
        }
        while (true) {
            space();
            if (peek() != '"') {
                throw error("expecting a member name in double quotes");
            }
            int at = pos;
            String key = stringValue();
            space();
            expect(':');
            space();
            Object v = value(depth);
            if (m.containsKey(key)) {
                pos = at;
                throw error("duplicate key '" + key + "'");
            }
            m.put(key, v);
            space();
            char c = peek();
            pos++;
            if (c == '}') {
                return m;
            }
            if (c != ',') {
                pos--;
                throw error("expecting ',' or '}'");
            }
        }
    }

    private List<Object> array(int depth) {
        nest(depth);
        pos++;
        var l = new ArrayList<>();
        space();
        if (peek() == ']') {
            pos++;
            return l;
        }
        while (true) {
            space();
            l.add(value(depth));
            space();
            char c = peek();
            pos++;
            if (c == ']') {
                return l;
            }
            if (c != ',') {
                pos--;
                throw error("expecting ',' or ']'");
            }
        }
    }

    private void nest(int depth) {
        if (depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH);
        }
    }

    private String stringValue() {
        pos++;
        // Most strings (names, keys) hold no escape: take them whole, without a per-char copy.
        for (int i = pos; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                String whole = text.substring(pos, i);
                pos = i + 1;
                return whole;
            }
            if (c == '\\' || c < 0x20) {
                break;
            }
        }
        var sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                pos--;
                throw error("control character in a string");
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char e = text.charAt(pos++);
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
                    throw error("invalid escape '\\" + printable(e) + "'");
                }
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
                throw error("invalid \\u escape");
            }
            v = v << 4 | d;
        }
        pos += 4;
        return (char) v;
    }

    private Object number() {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (!digits()) {
            throw error("invalid number");
        }
        boolean integral = true;
        if (peek() == '.') {
            pos++;
            integral = false;
            if (!digits()) {
                throw error("invalid number: digits must follow '.'");
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            integral = false;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!digits()) {
                throw error("invalid number: digits must follow the exponent");
            }
        }
        String n = text.substring(start, pos);
        if (integral) {
            try {
                return Long.parseLong(n);
            } catch (NumberFormatException e) {
                // like QEMU: an integer beyond 64 bits becomes a floating-point number
            }
        }
        double d = Double.parseDouble(n);
        if (Double.isInfinite(d)) {
            // Infinity is no JSON value: accepting it would hand the writer a value it must refuse.
            pos = start;
            throw error("number out of range: its magnitude exceeds a 64-bit floating-point number");
        }
        return d;
    }

    private boolean digits() {
        int start = pos;
        while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
            pos++;
        }
        return pos > start;
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, pos)) {
            throw error("invalid literal");
        }
        pos += word.length();
        return value;
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expecting '" + c + "'");
        }
        pos++;
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void space() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private static String printable(char c) {
        return c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("JSON parse error at character " + pos + ": " + what);
    }
}
