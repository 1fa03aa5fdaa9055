package dev.tern.x86.ops;

import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;

/**
 * ESC (D8..DF) and WAIT: the CR0.EM/TS/MP checks, then the attached {@link FloatingPointUnit}. With
 * no unit attached the CPU behaves as one without a coprocessor: ESC raises #NM so an OS can
 * emulate, and CPUID does not advertise an FPU.
 */
public final class EscapeOps implements FloatingPointUnit.Operand {

    private static final int MP = 0x2, EM = 0x4, TS = 0x8;
    private static final int FXSAVE_AREA = 512;

    private final CpuCore c;
    private FloatingPointUnit fpu;

    public EscapeOps(CpuCore c) {
        this.c = c;
    }

    public void attach(FloatingPointUnit unit) {
        this.fpu = unit;
    }

    public FloatingPointUnit unit() {
        return fpu;
    }

    public void escape(int op) {
        if ((c.cr0 & (EM | TS)) != 0 || fpu == null) {
            throw CpuFault.of(CpuFault.NM);
        }
        int dataSel = c.memOp ? c.seg[c.eaSeg].selector : 0;
        int comi = fpu.execute(op, c.modrm, c.memOp ? this : null, c.seg[CpuCore.CS].selector, c.startIp,
                dataSel, c.eaOff, c.flags());
        if (comi >= 0) {
            c.ef.setStatus(comi & (CpuCore.ZF | CpuCore.PF | CpuCore.CF));
        }
        if (op == 0xDF && c.modrm == 0xE0) {
            c.set16(CpuCore.EAX, fpu.statusWord());
        }
    }

    /**
     * 0F AE /0 FXSAVE and /1 FXRSTOR, the only forms of the group without SSE: the register forms
     * (SFENCE, LFENCE, MFENCE) and /2../7 raise #UD. Without an x87 unit CPUID has no FXSR and both
     * raise #UD too. CR0.EM or TS gives #NM; an area not 16-byte aligned (linear address) gives
     * #GP(0); the whole 512 bytes are checked before any is written or taken, so a #GP or #PF
     * part-way leaves memory and the FPU as they were.
     */
    public void fxsaveGroup() {
        if (!c.memOp || c.reg > 1 || fpu == null) {
            throw CpuFault.ud();
        }
        if ((c.cr0 & (EM | TS)) != 0) {
            throw CpuFault.of(CpuFault.NM);
        }
        if (((c.seg[c.eaSeg].base + c.eaOff) & 15) != 0) {
            throw CpuFault.gp(0);
        }
        if (c.reg == 0) {
            c.probeWrite(c.eaSeg, c.eaOff, FXSAVE_AREA);
            fpu.fxsave(this);
        } else {
            c.probeRead(c.eaSeg, c.eaOff, FXSAVE_AREA);
            fpu.fxrstor(this);
        }
    }

    /**
     * WAIT/FWAIT: #NM when MP and TS are both set, then #MF for a pending unmasked exception. With
     * CR0.NE=0 a PC would signal IRQ13 through FERR# instead; this CPU has no FERR# output and
     * raises #MF in both cases.
     */
    public void waitInstruction() {
        if ((c.cr0 & (MP | TS)) == (MP | TS)) {
            throw CpuFault.of(CpuFault.NM);
        }
        if (fpu != null && fpu.errorPending()) {
            throw CpuFault.of(CpuFault.MF);
        }
    }

    @Override
    public boolean operandSize32() {
        return c.op32;
    }

    @Override
    public boolean realMode() {
        return !c.pmode();
    }

    private int at(int off) {
        return c.addr32 ? c.eaOff + off : (c.eaOff + off) & 0xffff;
    }

    @Override
    public int readU8(int off) {
        return c.read8(c.eaSeg, at(off));
    }

    @Override
    public int readU16(int off) {
        return c.read16(c.eaSeg, at(off));
    }

    @Override
    public int readU32(int off) {
        return c.read32(c.eaSeg, at(off));
    }

    @Override
    public long readU64(int off) {
        return (readU32(off) & 0xffffffffL) | ((long) readU32(off + 4) << 32);
    }

    @Override
    public void writeU8(int off, int v) {
        c.write8(c.eaSeg, at(off), v);
    }

    @Override
    public void writeU16(int off, int v) {
        c.write16(c.eaSeg, at(off), v);
    }

    @Override
    public void writeU32(int off, int v) {
        c.write32(c.eaSeg, at(off), v);
    }

    @Override
    public void writeU64(int off, long v) {
        c.probeWrite(c.eaSeg, at(off), 8);
        writeU32(off, (int) v);
        writeU32(off + 4, (int) (v >>> 32));
    }
}
