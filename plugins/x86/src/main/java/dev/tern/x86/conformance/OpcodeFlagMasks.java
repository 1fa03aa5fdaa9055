package dev.tern.x86.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The undefined-flag masks a vector set publishes per opcode: the {@code f_umask} column of the
 * 80386 set's {@code 80386.csv} (columns named in its header row; {@code op} is the opcode in hex,
 * {@code ex} the ModRM reg extension or empty, {@code f_umask} the undefined FLAGS bits in hex).
 * Keys are test file names without their size prefixes: {@code "01"}, {@code "80.4"}, {@code "0FBC"}.
 */
final class OpcodeFlagMasks {

    private final Map<String, Integer> masks;

    private OpcodeFlagMasks(Map<String, Integer> masks) {
        this.masks = masks;
    }

    static final OpcodeFlagMasks NONE = new OpcodeFlagMasks(Map.of());

    /** The undefined FLAGS bits for a test file's key, or null when the table has no row for it. */
    Integer undefined(String key) {
        return masks.get(ConformanceMasks.withoutSizePrefixes(key).toUpperCase());
    }

    /** Reads a set's opcode CSV; a row without an {@code f_umask} value adds nothing. */
    static OpcodeFlagMasks read(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        if (lines.isEmpty()) {
            throw new IOException(csv + ": empty, expected a header row");
        }
        List<String> header = fields(lines.getFirst());
        int op = header.indexOf("op");
        int ex = header.indexOf("ex");
        int umask = header.indexOf("f_umask");
        if (op < 0 || umask < 0) {
            throw new IOException(csv + ": header row has no 'op' or no 'f_umask' column");
        }
        Map<String, Integer> masks = new HashMap<>();
        for (int n = 1; n < lines.size(); n++) {
            if (lines.get(n).isBlank()) {
                continue;
            }
            List<String> row = fields(lines.get(n));
            String value = at(row, umask);
            if (value.isEmpty()) {
                continue;
            }
            String key = at(row, op).toUpperCase();
            String ext = ex < 0 ? "" : at(row, ex);
            if (!key.matches("[0-9A-F]{2}|[0-9A-F]{4}") || !ext.matches("[0-7]?")) {
                throw new IOException(csv + ": line " + (n + 1) + ": 'op' " + key + " / 'ex' " + ext
                        + " is not a 2- or 4-digit hex opcode with an extension 0-7 or none");
            }
            String hex = value.startsWith("0x") || value.startsWith("0X") ? value.substring(2) : value;
            if (!hex.matches("[0-9A-Fa-f]{1,4}")) {
                throw new IOException(csv + ": line " + (n + 1) + ": 'f_umask' " + value + " is not a 16-bit hex value");
            }
            masks.put(ext.isEmpty() ? key : key + "." + ext, Integer.parseInt(hex, 16));
        }
        return new OpcodeFlagMasks(Map.copyOf(masks));
    }

    private static String at(List<String> row, int i) {
        return i < row.size() ? row.get(i).trim() : "";
    }

    /** One CSV line's fields; a field may be quoted, with "" for a quote inside it. */
    private static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted && ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                f.append('"');
                i++;
            } else if (ch == '"') {
                quoted = !quoted;
            } else if (ch == ',' && !quoted) {
                out.add(f.toString());
                f.setLength(0);
            } else {
                f.append(ch);
            }
        }
        out.add(f.toString());
        return out;
    }
}
