package dev.tern.x86.conformance;

import dev.tern.x86.decode.LockRules;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every difference the conformance runner excludes from comparison, in one table, with the reason.
 * Keys are test file names without extension: an opcode ({@code "27"}) or an opcode with its ModRM
 * reg field ({@code "F6.4"}).
 */
public final class ConformanceMasks {

    static final int CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;

    /**
     * Initial FLAGS bits kept: the vectors carry random IOPL/NT bits (12..14) that a 286 cannot hold
     * in real mode (a 386+ can), plus bit 15, so they are cleared before the test runs.
     */
    static final int INITIAL_FLAGS = 0x0fd5;

    /** FLAGS bits 12..15 read as 0 on a real-mode 286; an i686 keeps IOPL/NT set by POPF/IRET. */
    static final int FLAGS_286_HIGH = 0xf000;

    private record Mask(int flags, String reason) {
    }

    private static final Map<String, Mask> TABLE = new LinkedHashMap<>();

    private static void put(String keys, int flags, String reason) {
        for (String k : keys.split(" ")) {
            TABLE.put(k, new Mask(flags | TABLE.getOrDefault(k, new Mask(0, "")).flags(), reason));
        }
    }

    static {
        put("F6.4 F6.5 F7.4 F7.5 69 6B", SF | ZF | AF | PF, "MUL/IMUL: SF ZF AF PF undefined (SDM)");
        put("F6.6 F6.7 F7.6 F7.7", CF | OF | SF | ZF | AF | PF, "DIV/IDIV: all status flags undefined (SDM)");
        put("37 3F", OF | SF | ZF | PF, "AAA/AAS: OF SF ZF PF undefined (SDM)");
        put("27 2F", OF, "DAA/DAS: OF undefined (SDM)");
        put("D4 D5", OF | AF | CF, "AAM/AAD: OF AF CF undefined (SDM)");
        put("08 09 0A 0B 0C 0D 20 21 22 23 24 25 30 31 32 33 34 35 84 85 A8 A9 "
                + "80.1 80.4 80.6 81.1 81.4 81.6 82.1 82.4 82.6 83.1 83.4 83.6 F6.0 F6.1 F7.0 F7.1",
                AF, "AND/OR/XOR/TEST: AF undefined (SDM)");
        for (String op : new String[] {"C0", "C1", "D0", "D1", "D2", "D3"}) {
            for (int r = 0; r < 8; r++) {
                boolean variableCount = !op.equals("D0") && !op.equals("D1");
                int m = (variableCount ? OF : 0) | (r >= 4 ? AF : 0);
                if (m != 0) {
                    put(op + "." + r, m, "shifts: AF undefined; OF undefined unless count is 1 (SDM)");
                }
            }
        }
    }

    private ConformanceMasks() {
    }

    static final String LOCK_UD = "LOCK on a non-lockable instruction or register operand: #UD on 386+, "
            + "ignored by the 286";
    static final String SS_VS_GP = "SS-relative operand beyond the limit in real mode: the 286 raised #GP(13), "
            + "386+ raise #SS(12) (SDM real-address-mode exceptions)";

    static final String NO_COPROCESSOR = "ESC (D8..DF): the 286 had no coprocessor and skipped them; the i686 "
            + "model runs them on its x87 (or raises #NM without one)";
    static final String MOV_FS_GS = "MOV Sreg with reg 4/5: #UD on the 286, FS/GS on 386+";
    static final String LENGTH_10 = "instructions longer than 10 bytes: #GP on the 286, legal up to 15 on 386+";
    static final String STRING_FAULT = "string instructions faulting at the segment limit: the 286 had already "
            + "advanced SI/DI, 386+ fault before any update";

    static final String LENGTH_10_386 = "instructions longer than 10 bytes: the 386EX set records an exception, "
            + "the i686 runs them (legal up to 15 bytes)";

    /** A test file's key without the 386 set's operand/address-size prefixes ("6601" is "01" with 66). */
    static String withoutSizePrefixes(String key) {
        String k = key;
        while (k.length() > 2 && (k.startsWith("66") || k.startsWith("67"))) {
            k = k.substring(2);
        }
        return k;
    }

    private static boolean is386(Map<?, ?> test) {
        return test.get("initial") instanceof Map<?, ?> init && init.get("regs") instanceof Map<?, ?> regs
                && RegisterFile.of(regs) == RegisterFile.R32;
    }

    /**
     * A reason to skip a vector before running it (the i686 must behave differently), or null.
     * The reasons are 286/i686 differences; a 386 vector has none of them.
     */
    static String skipBefore(String key, Map<?, ?> test) {
        if (!(test.get("bytes") instanceof java.util.List<?> bytes) || is386(test)) {
            return null;
        }
        if (key.startsWith("D8") || key.startsWith("D9") || key.startsWith("DA") || key.startsWith("DB")
                || key.startsWith("DC") || key.startsWith("DD") || key.startsWith("DE") || key.startsWith("DF")) {
            return NO_COPROCESSOR;
        }
        if ((key.equals("8E") || key.equals("8C")) && bytes.size() > 1) {
            int i = 0;
            while (i < bytes.size() - 1 && bytes.get(i) instanceof Long b && isPrefix((int) (long) b)) {
                i++;
            }
            int reg = ((int) (long) (Long) bytes.get(i + 1) >> 3) & 7;
            if (reg == 4 || reg == 5) {
                return MOV_FS_GS;
            }
        }
        int i = 0;
        boolean lock = false;
        while (i < bytes.size() && bytes.get(i) instanceof Long b && isPrefix((int) (long) b)) {
            lock |= b == 0xF0;
            i++;
        }
        if (!lock || i >= bytes.size()) {
            return null;
        }
        int op = (int) (long) (Long) bytes.get(i);
        int modrm = i + 1 < bytes.size() ? (int) (long) (Long) bytes.get(i + 1) : 0;
        boolean mem = (modrm >> 6) != 3;
        boolean hasModrm = op < 0x40 ? (op & 7) < 4 : (op >= 0x80 && op <= 0x87) || op == 0xF6 || op == 0xF7
                || op == 0xFE || op == 0xFF;
        if (!hasModrm || !mem || !LockRules.lockable(op, (modrm >> 3) & 7)) {
            return LOCK_UD;
        }
        return null;
    }

    private static boolean isPrefix(int b) {
        return b == 0x26 || b == 0x2E || b == 0x36 || b == 0x3E || b == 0xF0 || b == 0xF2 || b == 0xF3;
    }

    /** A reason why a failing vector is a documented 286/i686 difference, or null. */
    static String skipAfter(String key, Map<?, ?> test, int ourException) {
        if (!(test.get("exception") instanceof Map<?, ?> ex && ex.get("number") instanceof Long n)) {
            return null;
        }
        if (is386(test)) {
            return (n == 6 || n == 13) && ourException < 0 && test.get("bytes") instanceof java.util.List<?> b
                    && b.size() - 1 > 10 ? LENGTH_10_386 : null;
        }
        if (n != 13) {
            return null;
        }
        if (ourException == 12) {
            return SS_VS_GP;
        }
        if (test.get("bytes") instanceof java.util.List<?> bytes && bytes.size() - 1 > 10 && ourException < 0) {
            return LENGTH_10;
        }
        if (java.util.Set.of("6C", "6D", "6E", "6F", "A4", "A5", "A6", "A7", "AA", "AB", "AC", "AD", "AE", "AF")
                .contains(key) && ourException == 13) {
            return STRING_FAULT;
        }
        return null;
    }

    /** Status flags excluded for a test file. */
    static int undefinedFlags(String key) {
        Mask m = TABLE.get(key);
        return m == null ? 0 : m.flags();
    }

    /** One line per distinct reason, for the runner's report. */
    static String describe() {
        Map<String, StringBuilder> byReason = new LinkedHashMap<>();
        TABLE.forEach((k, m) -> byReason.computeIfAbsent(m.reason(), r -> new StringBuilder()).append(k).append(' '));
        StringBuilder sb = new StringBuilder("initial IOPL/NT bits cleared; FLAGS bits 12-15 not compared (286 real mode)");
        byReason.forEach((r, keys) -> sb.append("; ").append(r).append(" [").append(keys.toString().trim()).append(']'));
        return sb.toString();
    }
}
