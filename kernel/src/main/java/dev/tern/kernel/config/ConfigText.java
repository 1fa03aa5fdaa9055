package dev.tern.kernel.config;

import dev.tern.spi.ConfigException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An option string in QEMU's syntax, {@code id,key=value,key2=value2}, as typed after
 * {@code --device} and similar options. A comma inside an id or value is written {@code ,,}; a key
 * without {@code =} means {@code key=on}, as in QEMU.
 *
 * @param id the first item: the provider id
 * @param options the key/value pairs in the order given
 */
public record ConfigText(String id, Map<String, String> options) {

    public ConfigText {
        Objects.requireNonNull(id, "id");
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /**
     * Parses {@code id,key=value,...}.
     *
     * @throws ConfigException naming the text and the column of the problem
     */
    public static ConfigText parse(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) {
            throw error(text, 1, "expected an id, found nothing");
        }
        List<Item> items = split(text);
        Item first = items.getFirst();
        if (first.text().isEmpty()) {
            throw error(text, first.column(), "expected an id before the first ','");
        }
        if (first.rawEquals()) {
            throw error(text, first.column(), "expected an id first, found option '" + first.text() + "'");
        }
        return new ConfigText(first.text(), options(text, items.subList(1, items.size())));
    }

    /**
     * Parses {@code key=value,...} with no leading id.
     *
     * @throws ConfigException naming the text and the column of the problem
     */
    public static Map<String, String> parseOptions(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) {
            return Map.of();
        }
        return Collections.unmodifiableMap(options(text, split(text)));
    }

    /** The canonical text form, escaping commas; {@link #parse} of it gives back an equal value. */
    public String format() {
        StringBuilder sb = new StringBuilder(escape(id));
        options.forEach((k, v) -> sb.append(',').append(escape(k)).append('=').append(escape(v)));
        return sb.toString();
    }

    @Override
    public String toString() {
        return format();
    }

    private static String escape(String s) {
        return s.replace(",", ",,");
    }

    private static Map<String, String> options(String text, List<Item> items) {
        Map<String, String> options = new LinkedHashMap<>();
        for (Item item : items) {
            String key;
            String value;
            int eq = item.equalsAt();
            if (eq < 0) {
                key = item.text();
                value = "on";
            } else {
                key = item.text().substring(0, eq);
                value = item.text().substring(eq + 1);
            }
            if (key.isEmpty()) {
                throw error(text, item.column(), item.text().isEmpty() ? "empty option (stray ',')" : "option without a key");
            }
            if (options.putIfAbsent(key, value) != null) {
                throw error(text, item.column(), "option '" + key + "' is given twice");
            }
        }
        return options;
    }

    /**
     * One comma-separated item with escapes removed.
     *
     * @param text the unescaped text
     * @param column 1-based column of the item's first character in the input
     * @param equalsAt index in {@code text} of the first {@code =}, or -1
     */
    private record Item(String text, int column, int equalsAt) {
        boolean rawEquals() {
            return equalsAt >= 0;
        }
    }

    private static List<Item> split(String text) {
        List<Item> items = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int start = 0;
        int equalsAt = -1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ',' && i + 1 < text.length() && text.charAt(i + 1) == ',') {
                current.append(',');
                i++;
            } else if (c == ',') {
                items.add(new Item(current.toString(), start + 1, equalsAt));
                current.setLength(0);
                start = i + 1;
                equalsAt = -1;
            } else {
                if (c == '=' && equalsAt < 0) {
                    equalsAt = current.length();
                }
                current.append(c);
            }
        }
        items.add(new Item(current.toString(), start + 1, equalsAt));
        return items;
    }

    private static ConfigException error(String text, int column, String what) {
        return new ConfigException("option text '" + text + "', column " + column + ": " + what);
    }
}
