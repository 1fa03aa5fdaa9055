package dev.tern.x86.decode;

import static dev.tern.x86.core.CpuCore.FS;
import static dev.tern.x86.core.CpuCore.GS;
import static dev.tern.x86.core.CpuCore.SS;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;
import dev.tern.x86.interp.Interpreter;
import dev.tern.x86.ops.ArithOps;
import dev.tern.x86.ops.BranchOps;
import dev.tern.x86.ops.DataOps;
import dev.tern.x86.ops.EscapeOps;
import dev.tern.x86.ops.PortAccess;
import dev.tern.x86.ops.SystemOps;

/** The {@code 0F xx} opcode map. */
public final class TwoByteMap {

    private TwoByteMap() {
    }

    public static int execute(CpuCore c, int op, SystemOps sys, PortAccess io, EscapeOps esc) {
        switch (op) {
            case 0x00 -> sys.group6();
            case 0x01 -> sys.group7();
            case 0x02 -> sys.larLsl(false);
            case 0x03 -> sys.larLsl(true);
            case 0x06 -> sys.clts();
            case 0x08, 0x09 -> sys.privileged();
            case 0x0B, 0xB9, 0xFF -> throw CpuFault.ud();
            case 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F -> { }
            case 0x20, 0x21, 0x22, 0x23 -> sys.moveControl(op);
            case 0x30 -> sys.wrmsr();
            case 0x31 -> sys.rdtsc();
            case 0x32 -> sys.rdmsr();
            case 0x34 -> sys.sysenter();
            case 0x35 -> sys.sysexit();
            case 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
                 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F -> DataOps.cmov(c, op & 15);
            case 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
                 0x88, 0x89, 0x8A, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F -> BranchOps.jccNear(c, op);
            case 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
                 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F -> c.writeE8(c.condition(op & 15) ? 1 : 0);
            case 0xA0 -> DataOps.pushSeg(c, FS);
            case 0xA1 -> DataOps.popSeg(c, FS);
            case 0xA2 -> sys.cpuid();
            case 0xA3 -> ArithOps.bitTest(c, 0, c.getV(c.reg), true);
            case 0xA4 -> ArithOps.doubleShift(c, true, true);
            case 0xA5 -> ArithOps.doubleShift(c, true, false);
            case 0xA8 -> DataOps.pushSeg(c, GS);
            case 0xA9 -> DataOps.popSeg(c, GS);
            case 0xAB -> ArithOps.bitTest(c, 1, c.getV(c.reg), true);
            case 0xAC -> ArithOps.doubleShift(c, false, true);
            case 0xAD -> ArithOps.doubleShift(c, false, false);
            case 0xAE -> esc.fxsaveGroup();
            case 0xAF -> ArithOps.imul3(c, c.getV(c.reg), c.readEV());
            case 0xB0 -> ArithOps.cmpxchg(c, false);
            case 0xB1 -> ArithOps.cmpxchg(c, true);
            case 0xB2 -> DataOps.loadFarPointer(c, SS);
            case 0xB3 -> ArithOps.bitTest(c, 2, c.getV(c.reg), true);
            case 0xB4 -> DataOps.loadFarPointer(c, FS);
            case 0xB5 -> DataOps.loadFarPointer(c, GS);
            case 0xB6 -> DataOps.movx(c, false, false);
            case 0xB7 -> DataOps.movx(c, false, true);
            case 0xBA -> {
                if (c.reg < 4) {
                    throw CpuFault.ud();
                }
                int bit = c.fetch8();
                ArithOps.bitTest(c, c.reg - 4, bit, false);
            }
            case 0xBB -> ArithOps.bitTest(c, 3, c.getV(c.reg), true);
            case 0xBC -> ArithOps.bitScan(c, false);
            case 0xBD -> ArithOps.bitScan(c, true);
            case 0xBE -> DataOps.movx(c, true, false);
            case 0xBF -> DataOps.movx(c, true, true);
            case 0xC0 -> ArithOps.xadd(c, false);
            case 0xC1 -> ArithOps.xadd(c, true);
            case 0xC7 -> {
                if (c.reg != 1) {
                    throw CpuFault.ud();
                }
                ArithOps.cmpxchg8b(c);
            }
            case 0xC8, 0xC9, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF -> DataOps.bswap(c, op & 7);
            default -> throw CpuFault.ud();
        }
        return Interpreter.NORMAL;
    }
}
