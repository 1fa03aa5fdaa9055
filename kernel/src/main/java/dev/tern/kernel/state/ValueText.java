package dev.tern.kernel.state;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Renders decoded values for the analyzer: compact, one line per record, arrays and lists
 * abbreviated, and no value's text longer than {@link #MAX_CHARS} (a hostile stream's few bytes can
 * declare a million-element list of empty records; its text must not cost a million lines' worth).
 */
final class ValueText {

    /** Arrays and lists longer than this print their first elements and the length. */
    private static final int ARRAY_PREVIEW = 16;
    /** Where a value's text stops, with an ellipsis. */
    static final int MAX_CHARS = 4096;

    private ValueText() { }

    static String of(Object v) {
        StringBuilder sb = new StringBuilder();
        append(sb, v);
        if (sb.length() > MAX_CHARS) {
            sb.setLength(MAX_CHARS);
            sb.append(" ...");
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, Object v) {
        if (sb.length() > MAX_CHARS) {
            return; // cut by of()
        }
        switch (v) {
            case FieldValues r -> {
                sb.append('{');
                String sep = "";
                for (Map.Entry<String, Object> e : r.asMap().entrySet()) {
                    sb.append(sep).append(e.getKey()).append('=');
                    append(sb, e.getValue());
                    sep = ", ";
                }
                sb.append('}');
            }
            case List<?> l -> {
                sb.append('[');
                int shown = Math.min(l.size(), ARRAY_PREVIEW);
                for (int i = 0; i < shown; i++) {
                    sb.append(i == 0 ? "" : ", ");
                    append(sb, l.get(i));
                }
                if (l.size() > ARRAY_PREVIEW) {
                    sb.append(" ... ").append(l.size()).append(" elements");
                }
                sb.append(']');
            }
            case String s -> sb.append('"').append(s.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            case Character c -> sb.append("'\\u").append(String.format("%04x", (int) c)).append('\'');
            case Integer i -> sb.append(i).append(" (0x").append(Integer.toHexString(i)).append(')');
            case Long l -> sb.append(l).append(" (0x").append(Long.toHexString(l)).append(')');
            case byte[] a -> array(sb, a.length, i -> String.format("%02x", a[i] & 0xFF));
            case short[] a -> array(sb, a.length, i -> String.format("%04x", a[i] & 0xFFFF));
            case int[] a -> array(sb, a.length, i -> Integer.toHexString(a[i]));
            case long[] a -> array(sb, a.length, i -> Long.toHexString(a[i]));
            default -> sb.append(v);
        }
    }

    private static void array(StringBuilder sb, int length, java.util.function.IntFunction<String> element) {
        String[] shown = new String[Math.min(length, ARRAY_PREVIEW)];
        Arrays.setAll(shown, element);
        sb.append('[').append(String.join(" ", shown));
        if (length > ARRAY_PREVIEW) {
            sb.append(" ... ").append(length).append(" elements");
        }
        sb.append(']');
    }
}
