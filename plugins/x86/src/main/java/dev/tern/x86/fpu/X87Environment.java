package dev.tern.x86.fpu;

/**
 * The memory images of the FPU environment: FSTENV/FLDENV (14 or 28 bytes, protected- or
 * real-mode pointer layout), FSAVE/FRSTOR (environment plus ST0..ST7) and FXSAVE/FXRSTOR.
 */
final class X87Environment {

    private static final int FXSAVE_REGISTERS = 32;
    private static final int FXSAVE_XMM = 160;
    private static final int FXSAVE_XMM_END = 288;
    private static final int MXCSR_DEFAULT = 0x1F80;
    /** MXCSR bits a guest may set (no DAZ), reported so Linux computes the right mask. */
    private static final int MXCSR_MASK = 0xFFBF;

    private X87Environment() {
    }

    /** FNSTENV: writes the environment and returns its size. */
    static int storeEnvironment(X87 x, X87Memory mem) {
        boolean o32 = mem.operandSize32();
        int step = o32 ? 4 : 2;
        write(mem, 0, o32, x.controlWord);
        write(mem, step, o32, x.statusWord());
        write(mem, 2 * step, o32, x.tagWord());
        if (mem.realMode()) {
            int ip = x.fcs * 16 + x.fip;
            int dp = x.fds * 16 + x.fdp;
            write(mem, 3 * step, o32, ip & 0xFFFF);
            write(mem, 4 * step, o32, (ip >>> 16) << 12 | x.fop);
            write(mem, 5 * step, o32, dp & 0xFFFF);
            write(mem, 6 * step, o32, (dp >>> 16) << 12);
        } else if (o32) {
            mem.writeU32(12, x.fip);
            mem.writeU32(16, x.fop << 16 | x.fcs);
            mem.writeU32(20, x.fdp);
            mem.writeU32(24, x.fds);
        } else {
            mem.writeU16(6, x.fip & 0xFFFF);
            mem.writeU16(8, x.fcs);
            mem.writeU16(10, x.fdp & 0xFFFF);
            mem.writeU16(12, x.fds);
        }
        return 7 * step;
    }

    /** FLDENV: loads the environment and returns its size. */
    static int loadEnvironment(X87 x, X87Memory mem) {
        boolean o32 = mem.operandSize32();
        int step = o32 ? 4 : 2;
        int cw = mem.readU16(0);
        int sw = mem.readU16(step);
        int tw = mem.readU16(2 * step);
        int ip;
        int cs = 0;
        int dp;
        int ds = 0;
        int fop;
        if (mem.realMode()) {
            int mask = o32 ? 0xFFFF : 0xF;
            int high = read(mem, 4 * step, o32);
            ip = (high >>> 12 & mask) << 16 | read(mem, 3 * step, o32) & 0xFFFF;
            fop = high & 0x7FF;
            dp = (read(mem, 6 * step, o32) >>> 12 & mask) << 16 | read(mem, 5 * step, o32) & 0xFFFF;
        } else if (o32) {
            ip = mem.readU32(12);
            int selector = mem.readU32(16);
            cs = selector & 0xFFFF;
            fop = selector >>> 16 & 0x7FF;
            dp = mem.readU32(20);
            ds = mem.readU16(24);
        } else {
            ip = mem.readU16(6);
            cs = mem.readU16(8);
            dp = mem.readU16(10);
            ds = mem.readU16(12);
            fop = 0;
        }
        x.loadWords(cw, sw, tw);
        x.fip = ip;
        x.fcs = cs;
        x.fdp = dp;
        x.fds = ds;
        x.fop = fop;
        return 7 * step;
    }

    /** FNSAVE: environment, ST0..ST7, then FNINIT. */
    static void save(X87 x, X87Memory mem) {
        int base = storeEnvironment(x, mem);
        for (int i = 0; i < 8; i++) {
            x.regs[x.physical(i)].store(mem, base + 10 * i);
        }
        x.init();
    }

    /** FRSTOR: registers are read first so a faulting read leaves the FPU unchanged. */
    static void restore(X87 x, X87Memory mem) {
        int base = mem.operandSize32() ? 28 : 14;
        Float80[] values = new Float80[8];
        for (int i = 0; i < 8; i++) {
            values[i] = Float80.load(mem, base + 10 * i);
        }
        loadEnvironment(x, mem);
        for (int i = 0; i < 8; i++) {
            x.regs[x.physical(i)] = values[i];
        }
    }

    static void fxsave(X87 x, X87Memory mem) {
        mem.writeU16(0, x.controlWord);
        mem.writeU16(2, x.statusWord());
        mem.writeU8(4, ~x.emptyMask & 0xFF);
        mem.writeU8(5, 0);
        mem.writeU16(6, x.fop);
        mem.writeU32(8, x.fip);
        mem.writeU32(12, x.fcs);
        mem.writeU32(16, x.fdp);
        mem.writeU32(20, x.fds);
        mem.writeU32(24, MXCSR_DEFAULT);
        mem.writeU32(28, MXCSR_MASK);
        for (int i = 0; i < 8; i++) {
            int off = FXSAVE_REGISTERS + 16 * i;
            x.regs[x.physical(i)].store(mem, off);
            mem.writeU16(off + 10, 0);
            mem.writeU32(off + 12, 0);
        }
        for (int off = FXSAVE_XMM; off < FXSAVE_XMM_END; off += 8) {
            mem.writeU64(off, 0);
        }
    }

    static void fxrstor(X87 x, X87Memory mem) {
        Float80[] values = new Float80[8];
        for (int i = 0; i < 8; i++) {
            values[i] = Float80.load(mem, FXSAVE_REGISTERS + 16 * i);
        }
        int cw = mem.readU16(0);
        int sw = mem.readU16(2);
        int abridged = mem.readU8(4);
        int tw = 0;
        for (int p = 0; p < 8; p++) {
            if ((abridged & 1 << p) == 0) {
                tw |= 3 << (2 * p);
            }
        }
        x.loadWords(cw, sw, tw);
        x.fop = mem.readU16(6) & 0x7FF;
        x.fip = mem.readU32(8);
        x.fcs = mem.readU16(12);
        x.fdp = mem.readU32(16);
        x.fds = mem.readU16(20);
        for (int i = 0; i < 8; i++) {
            x.regs[x.physical(i)] = values[i];
        }
    }

    private static void write(X87Memory mem, int off, boolean o32, int v) {
        if (o32) {
            mem.writeU32(off, v);
        } else {
            mem.writeU16(off, v);
        }
    }

    private static int read(X87Memory mem, int off, boolean o32) {
        return o32 ? mem.readU32(off) : mem.readU16(off);
    }
}
