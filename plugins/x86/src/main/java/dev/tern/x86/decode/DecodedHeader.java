package dev.tern.x86.decode;

import dev.tern.x86.core.CpuCore;

/**
 * The decoded front of one instruction — prefixes, opcode, ModRM and the addressing form with its
 * SIB and displacement — together with the raw bytes it was decoded from. Decoding is a pure
 * function of those bytes and the code segment's default size, so the header may be replayed
 * whenever the same bytes are fetched again in the same mode; immediates that follow are still
 * fetched from memory by the instruction itself.
 */
public final class DecodedHeader {

    public final int eip;
    final boolean code32;
    /** The header bytes (little end first), {@link #length} of them; the rest is zero. */
    final long bytes;
    final long mask;
    final int length;
    public final int opcode;
    public final boolean op32;
    public final boolean addr32;
    final int segOverride;
    final int rep;
    public final boolean lock;
    public final boolean hasModrm;
    public final int modrm;
    final boolean memOp;
    final int eaSeg;
    final int eaBase;
    final int eaIndex;
    final int eaShift;
    final int eaDisp;
    final boolean eaBaseEsp;
    /** Which registers the address uses: {@link #DISP}, {@link #BASE}, {@link #INDEX} or both. */
    final int eaForm;

    static final int DISP = 0, BASE = 1, INDEX = 2, BASE_INDEX = 3;

    /** Captures the decode the interpreter just finished for the instruction at {@code eip}. */
    public DecodedHeader(CpuCore c, int eip, boolean code32, long window, int length, int opcode, boolean hasModrm) {
        this.eip = eip;
        this.code32 = code32;
        this.length = length;
        this.mask = length == 8 ? -1L : (1L << (8 * length)) - 1;
        this.bytes = window & mask;
        this.opcode = opcode;
        this.op32 = c.op32;
        this.addr32 = c.addr32;
        this.segOverride = c.segOverride;
        this.rep = c.rep;
        this.lock = c.lock;
        this.hasModrm = hasModrm;
        this.modrm = c.modrm;
        this.memOp = hasModrm && c.memOp;
        this.eaSeg = c.eaSeg;
        this.eaBase = c.eaBase;
        this.eaIndex = c.eaIndex;
        this.eaShift = c.eaShift;
        this.eaDisp = c.eaDisp;
        this.eaBaseEsp = c.eaBaseEsp;
        this.eaForm = (c.eaBase != CpuCore.NO_REG ? BASE : 0) | (c.eaIndex != CpuCore.NO_REG ? INDEX : 0);
    }

    /** The effective offset of the memory operand with the current registers. */
    private int effectiveOffset(int[] r) {
        int off = switch (eaForm) {
            case DISP -> eaDisp;
            case BASE -> eaDisp + r[eaBase];
            case INDEX -> eaDisp + (r[eaIndex] << eaShift);
            default -> eaDisp + r[eaBase] + (r[eaIndex] << eaShift);
        };
        return addr32 ? off : off & 0xffff;
    }

    /** Whether this header was decoded from exactly these bytes at this address and mode. */
    public boolean matches(int at, boolean d, long window) {
        return eip == at && code32 == d && (window & mask) == bytes;
    }

    /** Puts the CPU's decode state where decoding the header would have left it. */
    public void replay(CpuCore c) {
        c.op32 = op32;
        c.addr32 = addr32;
        c.segOverride = segOverride;
        c.rep = rep;
        c.lock = lock;
        c.ip = eip + length;
        if (hasModrm) {
            c.modrm = modrm;
            c.reg = (modrm >> 3) & 7;
            c.rm = modrm & 7;
            c.memOp = memOp;
            if (memOp) {
                c.eaSeg = eaSeg;
                c.eaBaseEsp = eaBaseEsp;
                c.eaOff = effectiveOffset(c.r);
            }
        }
    }
}
