package dev.tern.x86.ops;

import static dev.tern.x86.core.CpuCore.DF;
import static dev.tern.x86.core.CpuCore.EAX;
import static dev.tern.x86.core.CpuCore.ECX;
import static dev.tern.x86.core.CpuCore.EDI;
import static dev.tern.x86.core.CpuCore.EDX;
import static dev.tern.x86.core.CpuCore.ES;
import static dev.tern.x86.core.CpuCore.ESI;
import static dev.tern.x86.core.CpuCore.ZF;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.memory.Mmu;

/**
 * String instructions. With a REP prefix every iteration retires as one instruction; while
 * iterations remain, the next instruction pointer is the REP instruction itself, so budgets and
 * interrupts can end a string operation between any two iterations exactly. A step runs one
 * iteration, or several when the run loop allows it (see {@link #execute}).
 */
public final class StringOps {

    public enum Kind { MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS }

    private StringOps() {
    }

    private static int count(CpuCore c) {
        return c.addr32 ? c.r[ECX] : c.r[ECX] & 0xffff;
    }

    private static int index(CpuCore c, int reg) {
        return c.addr32 ? c.r[reg] : c.r[reg] & 0xffff;
    }

    private static void advance(CpuCore c, int reg, int size) {
        int d = c.flags(DF) != 0 ? -size : size;
        if (c.addr32) {
            c.r[reg] += d;
        } else {
            c.set16(reg, c.r[reg] + d);
        }
    }

    private static int read(CpuCore c, int s, int off, int size) {
        return switch (size) {
            case 1 -> c.read8(s, off);
            case 2 -> c.read16(s, off);
            default -> c.read32(s, off);
        };
    }

    private static void write(CpuCore c, int s, int off, int size, int v) {
        switch (size) {
            case 1 -> c.write8(s, off, v);
            case 2 -> c.write16(s, off, v);
            default -> c.write32(s, off, v);
        }
    }

    private static int acc(CpuCore c, int size) {
        return size == 1 ? c.r[EAX] & 0xff : size == 2 ? c.r[EAX] & 0xffff : c.r[EAX];
    }

    private static void setAcc(CpuCore c, int size, int v) {
        switch (size) {
            case 1 -> c.set8(EAX, v);
            case 2 -> c.set16(EAX, v);
            default -> c.r[EAX] = v;
        }
    }

    /**
     * Executes {@code kind} with operand {@code size} bytes: without REP once; with REP one
     * iteration, or — when {@link CpuCore#repRoom} allows more — further iterations back to back
     * while each next one's memory operands hit the soft TLB's fast path (RAM whose translation,
     * rights, dirty logging and code protection are settled, so nothing an iteration does can be
     * observed between iterations: no MMIO, no device, no page walk). {@link CpuCore#repDone}
     * counts completed iterations, also when one faults, so the run loop retires exactly those.
     * Port string instructions always run one iteration per step.
     */
    public static void execute(CpuCore c, PortAccess io, Kind kind, int size) {
        boolean rep = c.rep != 0;
        if (rep && count(c) == 0) {
            return;
        }
        if (!rep) {
            iterate(c, io, kind, size);
            return;
        }
        long room = kind == Kind.INS || kind == Kind.OUTS ? 1 : c.repRoom;
        int done = 0;
        while (true) {
            iterate(c, io, kind, size);
            c.repDone = ++done;
            if (!repeatsAfter(c, kind)) {
                return;
            }
            if (done >= room || !nextIterationIsFast(c, kind, size)) {
                c.ip = c.startIp;
                return;
            }
            // A fault in the next iteration rolls EFLAGS back to here, not to the first iteration.
            c.ef.beginInstruction();
        }
    }

    /** One iteration's data movement or comparison and its index updates. */
    private static void iterate(CpuCore c, PortAccess io, Kind kind, int size) {
        switch (kind) {
            case MOVS -> {
                int v = read(c, c.dataSeg(), index(c, ESI), size);
                write(c, ES, index(c, EDI), size, v);
                advance(c, ESI, size);
                advance(c, EDI, size);
            }
            case CMPS -> {
                int a = read(c, c.dataSeg(), index(c, ESI), size);
                int b = read(c, ES, index(c, EDI), size);
                Alu.sub(c, a, b, 0, size);
                advance(c, ESI, size);
                advance(c, EDI, size);
            }
            case STOS -> {
                write(c, ES, index(c, EDI), size, c.r[EAX]);
                advance(c, EDI, size);
            }
            case LODS -> {
                setAcc(c, size, read(c, c.dataSeg(), index(c, ESI), size));
                advance(c, ESI, size);
            }
            case SCAS -> {
                int b = read(c, ES, index(c, EDI), size);
                Alu.sub(c, acc(c, size), b, 0, size);
                advance(c, EDI, size);
            }
            case INS -> {
                io.check(c.r[EDX] & 0xffff, size);
                c.probeWrite(ES, index(c, EDI), size);
                int v = io.in(c.r[EDX] & 0xffff, size);
                write(c, ES, index(c, EDI), size, v);
                advance(c, EDI, size);
            }
            default -> {
                int v = read(c, c.dataSeg(), index(c, ESI), size);
                io.out(c.r[EDX] & 0xffff, size, v);
                advance(c, ESI, size);
            }
        }
    }

    /** Counts a REP iteration down; whether another follows (count left, and REPE/REPNE's ZF test). */
    private static boolean repeatsAfter(CpuCore c, Kind kind) {
        if (c.addr32) {
            c.r[ECX]--;
        } else {
            c.set16(ECX, c.r[ECX] - 1);
        }
        boolean more = count(c) != 0;
        if (kind == Kind.CMPS || kind == Kind.SCAS) {
            boolean zf = c.flag(ZF);
            more &= c.rep == 0xF3 ? zf : !zf;
        }
        return more;
    }

    /** Whether the next iteration's memory operands all hit the soft TLB's fast path. */
    private static boolean nextIterationIsFast(CpuCore c, Kind kind, int size) {
        Mmu mmu = c.mmu;
        int user = c.user();
        return switch (kind) {
            case MOVS -> mmu.fastRead(c.seg[c.dataSeg()].base + index(c, ESI), size, user)
                    && mmu.fastWrite(c.seg[ES].base + index(c, EDI), size, user);
            case CMPS -> mmu.fastRead(c.seg[c.dataSeg()].base + index(c, ESI), size, user)
                    && mmu.fastRead(c.seg[ES].base + index(c, EDI), size, user);
            case STOS -> mmu.fastWrite(c.seg[ES].base + index(c, EDI), size, user);
            case LODS -> mmu.fastRead(c.seg[c.dataSeg()].base + index(c, ESI), size, user);
            case SCAS -> mmu.fastRead(c.seg[ES].base + index(c, EDI), size, user);
            default -> false;
        };
    }
}
