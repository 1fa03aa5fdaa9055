package dev.tern.x86.decode;

/**
 * Which opcodes carry a ModRM byte, declared as data. Index 0..255 are one-byte opcodes,
 * 256..511 the {@code 0F xx} map. The interpreter decodes ModRM (and SIB/displacement) before it
 * dispatches, so instruction semantics never parse addressing bytes themselves.
 */
public final class OpcodeTable {

    /** Opcodes (hex, "0F" prefix for the two-byte map) followed by ModRM; ranges as "lo-hi". */
    private static final String[] WITH_MODRM = {
        "00-03", "08-0B", "10-13", "18-1B", "20-23", "28-2B", "30-33", "38-3B",
        "62-63", "69", "6B", "80-8F", "C0-C1", "C4-C7", "D0-D3", "D8-DF", "F6-F7", "FE-FF",
        "0F00-0F03", "0F18-0F1F", "0F20-0F23", "0F40-0F4F", "0F90-0F9F", "0FA3", "0FA4-0FA5",
        "0FAB", "0FAC-0FAD", "0FAE-0FAF", "0FB0-0FB7", "0FBA-0FBF", "0FC0-0FC1", "0FC7",
    };

    private static final boolean[] MODRM = new boolean[512];

    static {
        for (String spec : WITH_MODRM) {
            String[] parts = spec.split("-");
            int lo = parse(parts[0]);
            int hi = parts.length > 1 ? parse(parts[1]) : lo;
            for (int op = lo; op <= hi; op++) {
                MODRM[op] = true;
            }
        }
    }

    private OpcodeTable() {
    }

    private static int parse(String hex) {
        return hex.length() == 4 ? 0x100 | Integer.parseInt(hex.substring(2), 16) : Integer.parseInt(hex, 16);
    }

    public static boolean hasModrm(int op) {
        return MODRM[op];
    }
}
