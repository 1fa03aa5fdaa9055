package dev.tern.x86.block;

import dev.tern.x86.decode.DecodedHeader;
import dev.tern.x86.decode.DecodedBlock;

/**
 * Which instructions may run inside a {@link DecodedBlock}, which of them end one, and how many
 * immediate bytes follow each one's ModRM form (so a block can be decoded without executing it).
 *
 * <p>Only instructions that cannot change anything the run loop checks between instructions are
 * admitted: no IF/TF/IOPL writers (STI, CLI, POPF, IRET, INT), no segment, control-register, mode
 * or descriptor-table changes, no port I/O, no HLT, no string instructions (a REP retires one
 * instruction per iteration), no LOCK and no x87 escapes. Everything else runs one instruction at
 * a time as before, so interrupt acceptance, the STI/MOV SS shadow and TF traps are untouched.
 */
public final class BlockRules {

    /** Immediate size codes. */
    private static final byte NONE = 0, IB = 1, IW = 2, IV = 3, IMOFFS = 4, ENTER = 5, GROUP3 = 6;
    /** Not admitted into blocks. */
    private static final byte NO = -1;

    /** Per opcode (one-byte map 0..255, 0F map 256..511): an immediate code or {@link #NO}. */
    private static final byte[] IMMEDIATE = new byte[512];
    private static final boolean[] ENDS_BLOCK = new boolean[512];
    private static final boolean[] BREAKS_TRUST = new boolean[512];

    static {
        java.util.Arrays.fill(IMMEDIATE, NO);
        for (int base = 0; base < 0x40; base += 8) {
            IMMEDIATE[base] = NONE;
            IMMEDIATE[base + 1] = NONE;
            IMMEDIATE[base + 2] = NONE;
            IMMEDIATE[base + 3] = NONE;
            IMMEDIATE[base + 4] = IB;
            IMMEDIATE[base + 5] = IV;
        }
        set(NONE, 0x27, 0x2F, 0x37, 0x3F, 0x60, 0x61, 0x84, 0x85, 0x88, 0x89, 0x8A, 0x8B, 0x8D, 0x8F,
                0x98, 0x99, 0xC3, 0xC9, 0xD0, 0xD1, 0xD2, 0xD3, 0xF5, 0xF8, 0xF9, 0xFC, 0xFD, 0xFE, 0xFF);
        range(NONE, 0x40, 0x5F);
        range(NONE, 0x90, 0x97);
        set(IV, 0x68, 0x69, 0x81, 0xA9, 0xC7, 0xE8, 0xE9);
        set(IB, 0x6A, 0x6B, 0x80, 0x82, 0x83, 0xA8, 0xC0, 0xC1, 0xC6, 0xD4, 0xD5, 0xEB);
        range(IB, 0x70, 0x7F);
        range(IB, 0xB0, 0xB7);
        range(IV, 0xB8, 0xBF);
        range(IB, 0xE0, 0xE3);
        set(IW, 0xC2);
        set(IMOFFS, 0xA0, 0xA1, 0xA2, 0xA3);
        set(ENTER, 0xC8);
        set(GROUP3, 0xF6, 0xF7);
        range(NONE, 0x140, 0x14F);
        range(IV, 0x180, 0x18F);
        range(NONE, 0x190, 0x19F);
        set(NONE, 0x1A3, 0x1A5, 0x1AB, 0x1AD, 0x1AF, 0x1B0, 0x1B1, 0x1B3, 0x1B6, 0x1B7, 0x1BB, 0x1BC, 0x1BD,
                0x1BE, 0x1BF, 0x1C0, 0x1C1);
        set(IB, 0x1A4, 0x1AC, 0x1BA);
        range(NONE, 0x1C8, 0x1CF);
        for (int op : new int[] {0xC2, 0xC3, 0xE0, 0xE1, 0xE2, 0xE3, 0xE8, 0xE9, 0xEB, 0xFF}) {
            ENDS_BLOCK[op] = true;
        }
        for (int op = 0x70; op <= 0x7F; op++) {
            ENDS_BLOCK[op] = true;
            ENDS_BLOCK[0x110 + op] = true;
        }
    }

    static {
        int[] breakers = {
                0x6C, 0x6D, 0x6E, 0x6F, 0xE4, 0xE5, 0xE6, 0xE7, 0xEC, 0xED, 0xEE, 0xEF, // port I/O
                0x9A, 0xEA, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF, 0xF1,                   // far transfers, INT, IRET
                0x100, 0x101, 0x106, 0x108, 0x109, 0x120, 0x121, 0x122, 0x123, 0x124, 0x126, // system
                0x130, 0x134, 0x135,                                                     // WRMSR, SYSENTER/EXIT
                0x1A2,                                                                   // CPUID
        };
        for (int op : breakers) {
            BREAKS_TRUST[op] = true;
        }
    }

    private BlockRules() {
    }

    /**
     * Whether an instruction run one at a time ends the decoded blocks' trust period (see
     * {@link BlockTable#distrust()}): port I/O (a device may write guest memory by DMA, past the
     * MMU's write path), and whatever may change what a linear code address means or which code
     * segment runs — control, debug and test registers, INVLPG, descriptor tables, far transfers,
     * INT/IRET and task switches (FF /3 and /5 are the far CALL and JMP) — and CPUID, so every
     * serialising instruction of the SDM's cross-modifying-code protocol (another vCPU patches
     * code, this one serialises before running it) makes this vCPU compare again. Every other instruction
     * writes memory only through the MMU, whose write path already ends the period when it
     * touches a page a block was decoded from.
     */
    public static boolean breaksCodeTrust(int op, int reg) {
        return BREAKS_TRUST[op] || op == 0xFF && (reg == 3 || reg == 5);
    }

    private static void set(byte code, int... ops) {
        for (int op : ops) {
            IMMEDIATE[op] = code;
        }
    }

    private static void range(byte code, int lo, int hi) {
        for (int op = lo; op <= hi; op++) {
            IMMEDIATE[op] = code;
        }
    }

    /**
     * Whether the decoded instruction may run in a block. FF is admitted only for INC, DEC, near
     * CALL/JMP and PUSH (not the far forms), XCHG only with a register (with memory it is locked).
     */
    public static boolean admitted(DecodedHeader h) {
        int op = h.opcode;
        if (IMMEDIATE[op] == NO || h.lock) {
            return false;
        }
        return switch (op) {
            case 0xFF -> h.hasModrm && ((h.modrm >> 3) & 7) != 3 && ((h.modrm >> 3) & 7) != 5
                    && ((h.modrm >> 3) & 7) != 7;
            case 0xFE -> ((h.modrm >> 3) & 7) < 2;
            case 0x8F -> ((h.modrm >> 3) & 7) == 0;
            default -> true;
        };
    }

    /**
     * Whether the instruction transfers control (or may): a block ends with it. FF counts only
     * for its CALL/JMP forms, but ending a block early is always allowed, so all of FF ends one.
     */
    public static boolean endsBlock(DecodedHeader h) {
        return ENDS_BLOCK[h.opcode];
    }

    /** Bytes of immediate data after the decoded header. */
    public static int immediateBytes(DecodedHeader h) {
        int v = h.op32 ? 4 : 2;
        return switch (IMMEDIATE[h.opcode]) {
            case IB -> 1;
            case IW -> 2;
            case IV -> v;
            case IMOFFS -> h.addr32 ? 4 : 2;
            case ENTER -> 3;
            case GROUP3 -> ((h.modrm >> 3) & 7) < 2 ? (h.opcode == 0xF6 ? 1 : v) : 0;
            default -> 0;
        };
    }
}
