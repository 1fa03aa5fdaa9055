package dev.tern.x86.core;

import static dev.tern.x86.core.CpuCore.DF;
import static dev.tern.x86.core.CpuCore.EAX;
import static dev.tern.x86.core.CpuCore.ECX;
import static dev.tern.x86.core.CpuCore.EDI;
import static dev.tern.x86.core.CpuCore.EDX;
import static dev.tern.x86.core.CpuCore.ES;
import static dev.tern.x86.core.CpuCore.ESI;
import static dev.tern.x86.core.CpuCore.ZF;

/**
 * String instructions. With a REP prefix each call performs ONE iteration, which retires as one
 * instruction; while iterations remain, the next instruction pointer is the REP instruction itself,
 * so budgets and interrupts can end a string operation between any two iterations exactly.
 */
final class StringOps {

    enum Kind { MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS }

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

    /** Executes one iteration of {@code kind} with operand {@code size} bytes. */
    static void execute(CpuCore c, PortAccess io, Kind kind, int size) {
        boolean rep = c.rep != 0;
        if (rep && count(c) == 0) {
            return;
        }
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
        if (rep) {
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
            if (more) {
                c.ip = c.startIp;
            }
        }
    }
}
