package dev.tern.x86.core;

import dev.tern.x86.debug.DebugRegisters;
import dev.tern.x86.interp.LockRetry;
import dev.tern.x86.memory.Mmu;
import dev.tern.x86.memory.PhysicalMemory;
import dev.tern.x86.memory.Segment;
import dev.tern.x86.ops.Eflags;
import dev.tern.x86.decode.DecodedBlock;
import dev.tern.x86.ops.StringOps;

/**
 * The architectural state of one x86 processor plus the per-instruction decode state, with the
 * register, segmented-memory and stack accessors every instruction class uses. Fields are public
 * (within the core) because the interpreter touches them on every instruction.
 */
public final class CpuCore {

    public static final int EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;
    public static final int ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;

    public static final int CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, TF = 0x100, IF = 0x200,
            DF = 0x400, OF = 0x800, IOPL = 0x3000, NT = 0x4000, RF = 0x10000, VM = 0x20000, AC = 0x40000,
            ID = 0x200000, VIF = 0x80000, VIP = 0x100000;
    /** CR0.AM: alignment mask. */
    public static final int CR0_AM = 0x40000;
    /** Arithmetic status flags. */
    public static final int STATUS = CF | PF | AF | ZF | SF | OF;

    public final int[] r = new int[8];
    public int eip;
    /** EFLAGS; the status flags are evaluated lazily (see {@link Eflags}). */
    public final Eflags ef = new Eflags();
    public final Segment[] seg = new Segment[6];
    public final Segment ldtr = new Segment();
    public final Segment tr = new Segment();
    public int gdtBase;
    public int gdtLimit = 0xffff;
    public int idtBase;
    public int idtLimit = 0x3ff;
    public int cr0 = 0x60000010;
    public int cr2;
    public int cr3;
    public int cr4;
    public final int[] dr = new int[8];
    public int cpl;
    public boolean a20 = true;
    public final Mmu mmu;
    public final PhysicalMemory phys;
    /** The breakpoints DR0-DR7 describe (decoded from {@link #dr} whenever that changes). */
    public final DebugRegisters debug;

    /** TLB half for the current privilege: {@link Mmu#USER} at CPL 3. */
    private int user;

    /**
     * Set when something happened that a running {@link DecodedBlock} must not run past: a store or
     * MMIO access took the MMU slow path (it may have hit the block's own code, or a device), an
     * interrupt request changed, or an exit was requested. Checked after every block instruction.
     */
    public boolean blockBreak;
    /** An NMI handler runs: further NMIs wait for the next IRET. */
    public boolean nmiBlocked;

    // ---- per-instruction decode state ----
    /** Offset (in CS) of the next instruction byte. */
    public int ip;
    /** Offset of the first byte of the current instruction (its prefixes). */
    public int startIp;
    public boolean op32;
    public boolean addr32;
    /** Segment override, or -1. */
    public int segOverride;
    /** 0 none, 0xF3 REP/REPE, 0xF2 REPNE. */
    public int rep;
    /**
     * How many iterations of a REP string instruction the next stepped instruction may run (1 = one
     * at a time; the run loop allows its remaining budget when nothing could interrupt), and how
     * many it completed: see {@link StringOps}. Each iteration retires as one instruction.
     */
    public long repRoom = 1;
    public int repDone;
    public boolean lock;
    public int modrm;
    public int reg;
    public int rm;
    public boolean memOp;
    public int eaSeg;
    public int eaOff;
    /** The effective address has ESP as its base register (POP r/m must see the popped ESP). */
    public boolean eaBaseEsp;
    /** Up to 8 prefetched instruction bytes (little end first) starting at offset windowIp. */
    private long window;
    private int windowIp;
    private int windowLen;

    public CpuCore(PhysicalMemory phys) {
        this.phys = phys;
        for (int i = 0; i < 6; i++) {
            seg[i] = new Segment();
        }
        this.mmu = new Mmu(this, phys);
        this.debug = new DebugRegisters(this);
    }

    // ---------------------------------------------------------------- modes

    public boolean protectedMode() {
        return (cr0 & 1) != 0;
    }

    public boolean v86() {
        return ef.get(VM) != 0;
    }

    /** Protected mode and not virtual-8086: descriptors and privilege checks apply. */
    public boolean pmode() {
        return (cr0 & 1) != 0 && ef.get(VM) == 0;
    }

    /** The soft-TLB half for the current privilege, passed to every {@link Mmu} access. */
    public int user() {
        return user;
    }

    public void setCpl(int c) {
        cpl = c;
        user = c == 3 ? Mmu.USER : 0;
    }

    /** Re-reads paging configuration after CR0/CR3/CR4/A20 changed. */
    public void pagingChanged() {
        mmu.configure(cr0, cr3, cr4, a20);
    }

    // ---------------------------------------------------------------- registers

    public int get8(int i) {
        return i < 4 ? r[i] & 0xff : (r[i - 4] >>> 8) & 0xff;
    }

    public void set8(int i, int v) {
        if (i < 4) {
            r[i] = (r[i] & 0xffffff00) | (v & 0xff);
        } else {
            r[i - 4] = (r[i - 4] & 0xffff00ff) | ((v & 0xff) << 8);
        }
    }

    public int get16(int i) {
        return r[i] & 0xffff;
    }

    public void set16(int i, int v) {
        r[i] = (r[i] & 0xffff0000) | (v & 0xffff);
    }

    /** Register at the current operand size (zero-extended 16-bit value or the full 32). */
    public int getV(int i) {
        return op32 ? r[i] : r[i] & 0xffff;
    }

    public void setV(int i, int v) {
        if (op32) {
            r[i] = v;
        } else {
            r[i] = (r[i] & 0xffff0000) | (v & 0xffff);
        }
    }

    // ---------------------------------------------------------------- flags

    /** The architectural EFLAGS value (saved state, PUSHF, interrupt frames). */
    public int flags() {
        return ef.get();
    }

    public void setFlags(int value) {
        ef.set(value);
    }

    /** The flags of {@code mask}; reading only non-status bits never materialises the lazy ones. */
    public int flags(int mask) {
        return ef.get(mask);
    }

    public boolean flag(int f) {
        return ef.test(f);
    }

    public void setFlag(int f, boolean on) {
        ef.put(f, on);
    }

    /** Evaluates condition code {@code cc} (0..15) as used by Jcc/SETcc/CMOVcc. */
    public boolean condition(int cc) {
        return ef.condition(cc);
    }

    // ---------------------------------------------------------------- segmented memory

    private int checkRead(int s, int off, int size) {
        Segment sg = seg[s];
        if (!sg.readable || !sg.inLimit(off, size)) {
            throw segFault(s);
        }
        return sg.base + off;
    }

    private int checkWrite(int s, int off, int size) {
        Segment sg = seg[s];
        if (!sg.writable || !sg.inLimit(off, size)) {
            throw segFault(s);
        }
        return sg.base + off;
    }

    /** A misaligned data access: #AC(0) when CR0.AM, EFLAGS.AC and CPL 3 all enable the check. */
    private void checkAlignment() {
        if (user != 0 && (cr0 & CR0_AM) != 0 && ef.get(AC) != 0) {
            throw CpuFault.withCode(CpuFault.AC, 0);
        }
    }

    private CpuFault segFault(int s) {
        return s == SS ? CpuFault.withCode(CpuFault.SS, 0) : CpuFault.gp(0);
    }

    public int read8(int s, int off) {
        return mmu.read8(checkRead(s, off, 1), user);
    }

    public int read16(int s, int off) {
        int lin = checkRead(s, off, 2);
        if ((lin & 1) != 0) {
            checkAlignment();
        }
        return mmu.read16(lin, user);
    }

    public int read32(int s, int off) {
        int lin = checkRead(s, off, 4);
        if ((lin & 3) != 0) {
            checkAlignment();
        }
        return mmu.read32(lin, user);
    }

    public int readV(int s, int off) {
        return op32 ? read32(s, off) : read16(s, off);
    }

    public void write8(int s, int off, int v) {
        mmu.write8(checkWrite(s, off, 1), v, user);
    }

    public void write16(int s, int off, int v) {
        int lin = checkWrite(s, off, 2);
        if ((lin & 1) != 0) {
            checkAlignment();
        }
        mmu.write16(lin, v, user);
    }

    public void write32(int s, int off, int v) {
        int lin = checkWrite(s, off, 4);
        if ((lin & 3) != 0) {
            checkAlignment();
        }
        mmu.write32(lin, v, user);
    }

    public void writeV(int s, int off, int v) {
        if (op32) {
            write32(s, off, v);
        } else {
            write16(s, off, v);
        }
    }

    /** Faults now if a later write of {@code size} bytes would (so multi-part updates are atomic). */
    public void probeWrite(int s, int off, int size) {
        mmu.probeWrite(checkWrite(s, off, size), size, user);
    }

    /** Checks that {@code size} bytes (at most a page) can be read, before any is taken. */
    public void probeRead(int s, int off, int size) {
        int lin = checkRead(s, off, size);
        mmu.translate(lin, false, user != 0);
        if (((lin & 0xfff) + size - 1) > 0xfff) {
            mmu.translate(lin + size - 1, false, user != 0);
        }
    }

    /** System-structure reads (descriptor tables, TSS) are supervisor accesses at any CPL. */
    public int readSys32(int lin) {
        return mmu.read32(lin, 0);
    }

    public int readSys16(int lin) {
        return mmu.read16(lin, 0);
    }

    public void writeSys32(int lin, int v) {
        mmu.write32(lin, v, 0);
    }

    public void writeSys16(int lin, int v) {
        mmu.write16(lin, v, 0);
    }

    public void writeSys8(int lin, int v) {
        mmu.write8(lin, v, 0);
    }

    public int readSys8(int lin) {
        return mmu.read8(lin, 0);
    }

    // ---------------------------------------------------------------- instruction fetch

    /**
     * Loads up to 8 instruction bytes at CS:ip with one memory access. Only bytes inside the current
     * page and the CS limit are taken, so a fault still happens exactly when a needed byte is
     * unreachable; the rest comes byte by byte through {@link #slowFetch8()}.
     */
    public void startFetch() {
        Segment c = seg[CS];
        int off = ip;
        int lin = c.base + off;
        long room = (c.limit & 0xffffffffL) - (off & 0xffffffffL) + 1;
        windowIp = off;
        if ((lin & 0xfff) <= 0xff8 && room >= 8) {
            window = mmu.fetch64(lin, user);
            windowLen = 8;
        } else {
            windowLen = 0;
        }
    }

    /** Sets the prefetch window to 8 known code bytes at offset {@code at} (a decoded block's copy). */
    public void setWindow(int at, long bytes) {
        window = bytes;
        windowIp = at;
        windowLen = 8;
    }

    /** Whether the prefetch window holds 8 bytes starting exactly at offset {@code start}. */
    public boolean windowFullAt(int start) {
        return windowLen == 8 && windowIp == start;
    }

    /** The prefetched bytes (valid when {@link #windowFullAt} holds). */
    public long window() {
        return window;
    }

    public int fetch8() {
        int k = ip - windowIp;
        if (Integer.compareUnsigned(k, windowLen) < 0) {
            ip++;
            return (int) (window >>> (k << 3)) & 0xff;
        }
        return slowFetch8();
    }

    private int slowFetch8() {
        Segment c = seg[CS];
        int off = ip;
        if (Integer.compareUnsigned(off, c.limit) > 0) {
            throw CpuFault.gp(0);
        }
        ip = off + 1;
        return mmu.fetch8(c.base + off, user);
    }

    public int fetch16() {
        int k = ip - windowIp;
        if (k >= 0 && k + 2 <= windowLen) {
            ip += 2;
            return (int) (window >>> (k << 3)) & 0xffff;
        }
        int lo = fetch8();
        return lo | fetch8() << 8;
    }

    public int fetch32() {
        int k = ip - windowIp;
        if (k >= 0 && k + 4 <= windowLen) {
            ip += 4;
            return (int) (window >>> (k << 3));
        }
        int lo = fetch16();
        return lo | fetch16() << 16;
    }

    /** An immediate of the current operand size. */
    public int fetchV() {
        return op32 ? fetch32() : fetch16();
    }

    // ---------------------------------------------------------------- ModRM

    /** Decodes a ModRM byte (and SIB/displacement) into reg/rm/memOp/eaSeg/eaOff. */
    public void decodeModrm() {
        int m = fetch8();
        modrm = m;
        reg = (m >> 3) & 7;
        rm = m & 7;
        int mod = m >> 6;
        if (mod == 3) {
            memOp = false;
            return;
        }
        memOp = true;
        eaBaseEsp = false;
        if (addr32) {
            decodeEa32(mod);
        } else {
            decodeEa16(mod);
        }
        if (segOverride >= 0) {
            eaSeg = segOverride;
        }
    }

    /**
     * The addressing form of the last memory ModRM: {@code disp + r[eaBase] + (r[eaIndex] << eaShift)}
     * ({@link #NO_REG} stands for none), truncated to 16 bits for 16-bit addressing. Kept so a
     * cached decode can recompute the address from the current registers.
     */
    public int eaBase;
    public int eaIndex;
    public int eaShift;
    public int eaDisp;

    /** The register number recorded in {@link #eaBase}/{@link #eaIndex} for "none". */
    public static final int NO_REG = 8;

    private void decodeEa16(int mod) {
        int base;
        int index = NO_REG;
        int s = DS;
        switch (rm) {
            case 0 -> { base = EBX; index = ESI; }
            case 1 -> { base = EBX; index = EDI; }
            case 2 -> { base = EBP; index = ESI; s = SS; }
            case 3 -> { base = EBP; index = EDI; s = SS; }
            case 4 -> base = ESI;
            case 5 -> base = EDI;
            case 6 -> {
                if (mod == 0) {
                    base = NO_REG;
                } else {
                    base = EBP;
                    s = SS;
                }
            }
            default -> base = EBX;
        }
        int disp = 0;
        if (mod == 1) {
            disp = (byte) fetch8();
        } else if (mod == 2 || (mod == 0 && rm == 6)) {
            disp = fetch16();
        }
        eaBase = base;
        eaIndex = index;
        eaShift = 0;
        eaDisp = disp;
        int off = disp + (base == NO_REG ? 0 : r[base]);
        eaOff = (index == NO_REG ? off : off + r[index]) & 0xffff;
        eaSeg = s;
    }

    private void decodeEa32(int mod) {
        int base;
        int index = NO_REG;
        int shift = 0;
        int disp = 0;
        int s = DS;
        if (rm == 4) {
            int sib = fetch8();
            int b = sib & 7;
            int x = (sib >> 3) & 7;
            if (b == 5 && mod == 0) {
                base = NO_REG;
                disp = fetch32();
            } else {
                base = b;
                if (b == ESP || b == EBP) {
                    s = SS;
                    eaBaseEsp = b == ESP;
                }
            }
            if (x != 4) {
                index = x;
                shift = sib >> 6;
            }
        } else if (rm == 5 && mod == 0) {
            base = NO_REG;
            disp = fetch32();
        } else {
            base = rm;
            if (rm == EBP) {
                s = SS;
            }
        }
        if (mod == 1) {
            disp += (byte) fetch8();
        } else if (mod == 2) {
            disp += fetch32();
        }
        eaBase = base;
        eaIndex = index;
        eaShift = shift;
        eaDisp = disp;
        int off = base == NO_REG ? disp : disp + r[base];
        eaOff = index == NO_REG ? off : off + (r[index] << shift);
        eaSeg = s;
    }

    /** Default data segment for string sources and moffs: DS unless overridden. */
    public int dataSeg() {
        return segOverride >= 0 ? segOverride : DS;
    }

    // ---- r/m operand access ----

    public int readE8() {
        if (memOp) {
            int v = read8(eaSeg, eaOff);
            rememberAtomic(v);
            return v;
        }
        return get8(rm);
    }

    public void writeE8(int v) {
        if (memOp) {
            if (atomicRead) {
                casOrRetry(1, v);
            } else {
                write8(eaSeg, eaOff, v);
            }
        } else {
            set8(rm, v);
        }
    }

    public int readE16() {
        if (memOp) {
            int v = read16(eaSeg, eaOff);
            rememberAtomic(v);
            return v;
        }
        return r[rm] & 0xffff;
    }

    public void writeE16(int v) {
        if (memOp) {
            if (atomicRead) {
                casOrRetry(2, v);
            } else {
                write16(eaSeg, eaOff, v);
            }
        } else {
            set16(rm, v);
        }
    }

    public int readEV() {
        if (memOp) {
            int v = op32 ? read32(eaSeg, eaOff) : read16(eaSeg, eaOff);
            rememberAtomic(v);
            return v;
        }
        return op32 ? r[rm] : r[rm] & 0xffff;
    }

    public void writeEV(int v) {
        if (memOp) {
            if (atomicRead) {
                casOrRetry(op32 ? 4 : 2, v);
            } else if (op32) {
                write32(eaSeg, eaOff, v);
            } else {
                write16(eaSeg, eaOff, v);
            }
        } else {
            setV(rm, v);
        }
    }

    // ---- atomic read-modify-write (LOCK prefix, XCHG with memory) ----

    /**
     * Set while a locked instruction runs: its read of the r/m operand is remembered and its write
     * becomes a compare-and-set against that value, so the update is atomic even against plain
     * stores of other vCPUs. A failed compare-and-set throws {@link LockRetry#INSTANCE}.
     */
    boolean atomicRmw;
    private boolean atomicRead;
    private int atomicOld;

    private void rememberAtomic(int v) {
        if (atomicRmw) {
            atomicOld = v;
            atomicRead = true;
        }
    }

    private void casOrRetry(int size, int v) {
        int lin = checkWrite(eaSeg, eaOff, size);
        if (!mmu.compareAndSet(lin, size, atomicOld, v, user)) {
            throw LockRetry.INSTANCE;
        }
    }

    /** Whether a locked instruction runs (its r/m accesses are atomic). */
    public boolean atomicRmw() {
        return atomicRmw;
    }

    /**
     * CMPXCHG8B's locked access to the r/m qword: returns its value and, if that equalled
     * {@code expected}, has stored {@code value}, atomically against the other vCPUs.
     */
    public long compareAndExchange64(long expected, long value) {
        return mmu.compareAndExchange64(checkWrite(eaSeg, eaOff, 8), expected, value, user);
    }

    /** Starts (or restarts) an atomic attempt; the fetch position returns to after the ModRM bytes. */
    public void beginAtomic(int ipAfterModrm) {
        atomicRmw = true;
        atomicRead = false;
        ip = ipAfterModrm;
    }

    public void endAtomic() {
        atomicRmw = false;
        atomicRead = false;
    }

    // ---------------------------------------------------------------- stack

    public boolean stack32() {
        return seg[SS].big();
    }

    public int sp() {
        return stack32() ? r[ESP] : r[ESP] & 0xffff;
    }

    /** Adds {@code n} to (E)SP respecting the stack size. */
    public void adjustSp(int n) {
        if (stack32()) {
            r[ESP] += n;
        } else {
            set16(ESP, r[ESP] + n);
        }
    }

    private int spOffset(int delta) {
        return stack32() ? r[ESP] + delta : (r[ESP] + delta) & 0xffff;
    }

    public void push16(int v) {
        int off = spOffset(-2);
        write16(SS, off, v);
        adjustSp(-2);
    }

    public void push32(int v) {
        int off = spOffset(-4);
        write32(SS, off, v);
        adjustSp(-4);
    }

    /** Push at the current operand size. */
    public void pushV(int v) {
        if (op32) {
            push32(v);
        } else {
            push16(v);
        }
    }

    /** Pushes an error code after a task switch, at the width of the new TSS. */
    public void pushValueAfterSwitch(int v, boolean wide) {
        if (wide) {
            push32(v);
        } else {
            push16(v);
        }
    }

    /** Reads the stack {@code delta} bytes above the top without popping. */
    public int peek16(int delta) {
        return read16(SS, spOffset(delta));
    }

    public int peek32(int delta) {
        return read32(SS, spOffset(delta));
    }

    public int peekV(int delta) {
        return op32 ? peek32(delta) : peek16(delta);
    }

    public int popV() {
        int v = peekV(0);
        adjustSp(op32 ? 4 : 2);
        return v;
    }

    // ---------------------------------------------------------------- control transfer helpers

    /** Sets EIP for a near transfer, checking the CS limit (#GP(0) past it). */
    public void jumpNear(int target) {
        int t = op32 ? target : target & 0xffff;
        if (Integer.compareUnsigned(t, seg[CS].limit) > 0) {
            throw CpuFault.gp(0);
        }
        ip = t;
    }

    /** Whether the current code segment is 32-bit. */
    public boolean code32() {
        return seg[CS].big();
    }
}
