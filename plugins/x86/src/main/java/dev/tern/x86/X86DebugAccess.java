package dev.tern.x86;

import dev.tern.spi.cpu.DebugAccess;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.fpu.Float80;
import dev.tern.x86.fpu.X87State;

import java.util.List;
import java.util.OptionalLong;

/**
 * The x86 vCPU as GDB's i386 target sees it: the {@code org.gnu.gdb.i386.core} registers (GDB
 * numbers 0-31: eax..edi, eip, eflags, cs..gs, st0-st7 and the x87 control registers) plus a
 * {@code dev.tern.i386.system} feature with cr0, cr2, cr3 and cr4 (numbers 32-35). Addresses are
 * linear (GDB's flat view; in real mode GDB's PC is EIP while breakpoints match CS.base + EIP).
 */
final class X86DebugAccess implements DebugAccess {

    private static final String[] GPR = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    private static final String[] GPR_TYPE = {"int32", "int32", "int32", "int32", "data_ptr", "data_ptr", "int32", "int32"};
    private static final String[] SEG = {"cs", "ss", "ds", "es", "fs", "gs"};
    /** GDB's segment register order (cs, ss, ds, es, fs, gs) as indices into {@link CpuCore#seg}. */
    private static final int[] SEG_INDEX = {CpuCore.CS, CpuCore.SS, CpuCore.DS, CpuCore.ES, CpuCore.FS, CpuCore.GS};
    private static final String[] X87_CONTROL = {"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"};
    private static final String[] CONTROL = {"cr0", "cr2", "cr3", "cr4"};
    static final int EIP = 8, EFLAGS = 9, FIRST_SEG = 10, FIRST_ST = 16, FIRST_X87_CONTROL = 24, FIRST_CR = 32, COUNT = 36;
    private static final int[] SIZES = sizes();
    private static final String TARGET = targetXml();

    private final X86Cpu cpu;
    private final CpuCore c;

    X86DebugAccess(X86Cpu cpu) {
        this.cpu = cpu;
        this.c = cpu.core();
    }

    private static int[] sizes() {
        int[] s = new int[COUNT];
        java.util.Arrays.fill(s, 4);
        for (int i = 0; i < 8; i++) {
            s[FIRST_ST + i] = 10;
        }
        return s;
    }

    private static String targetXml() {
        var x = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n")
                .append("  <architecture>i386</architecture>\n  <feature name=\"org.gnu.gdb.i386.core\">\n");
        var n = new int[1];
        for (int i = 0; i < 8; i++) {
            reg(x, GPR[i], 32, GPR_TYPE[i], n);
        }
        reg(x, "eip", 32, "code_ptr", n);
        reg(x, "eflags", 32, "int32", n);
        for (String s : SEG) {
            reg(x, s, 32, "int32", n);
        }
        for (int i = 0; i < 8; i++) {
            reg(x, "st" + i, 80, "i387_ext", n);
        }
        for (String s : X87_CONTROL) {
            x.append("    <reg name=\"").append(s).append("\" bitsize=\"32\" type=\"int\" group=\"float\" regnum=\"")
                    .append(n[0]++).append("\"/>\n");
        }
        x.append("  </feature>\n  <feature name=\"dev.tern.i386.system\">\n");
        for (String s : CONTROL) {
            x.append("    <reg name=\"").append(s).append("\" bitsize=\"32\" type=\"int32\" group=\"system\" regnum=\"")
                    .append(n[0]++).append("\"/>\n");
        }
        return x.append("  </feature>\n</target>\n").toString();
    }

    private static void reg(StringBuilder x, String name, int bits, String type, int[] n) {
        x.append("    <reg name=\"").append(name).append("\" bitsize=\"").append(bits).append("\" type=\"").append(type)
                .append("\" regnum=\"").append(n[0]++).append("\"/>\n");
    }

    @Override
    public String targetDescription() {
        return TARGET;
    }

    @Override
    public int[] registerSizes() {
        return SIZES.clone();
    }

    @Override
    public void readRegister(int number, byte[] dst, int off) {
        check(number);
        if (number >= FIRST_ST && number < FIRST_ST + 8) {
            Float80 f = x87().map(s -> s.registers().get((((s.statusWord() >>> 11) & 7) + number - FIRST_ST) & 7))
                    .orElse(Float80.POSITIVE_ZERO);
            putLong(dst, off, f.significand());
            dst[off + 8] = (byte) f.signExp();
            dst[off + 9] = (byte) (f.signExp() >>> 8);
            return;
        }
        putInt(dst, off, value32(number));
    }

    private int value32(int n) {
        if (n < 8) {
            return c.r[n];
        }
        if (n == EIP) {
            return c.eip;
        }
        if (n == EFLAGS) {
            return c.ef.peek(); // reading changes nothing, not even the lazy flags' form
        }
        if (n < FIRST_ST) {
            return c.seg[SEG_INDEX[n - FIRST_SEG]].selector;
        }
        if (n < FIRST_CR) {
            return x87().map(s -> switch (n - FIRST_X87_CONTROL) {
                case 0 -> s.controlWord();
                case 1 -> s.statusWord();
                case 2 -> s.tagWord();
                case 3 -> s.fcs();
                case 4 -> s.fip();
                case 5 -> s.fds();
                case 6 -> s.fdp();
                default -> s.fop();
            }).orElse(n == FIRST_X87_CONTROL ? 0x37f : n == FIRST_X87_CONTROL + 2 ? 0xffff : 0);
        }
        return switch (n - FIRST_CR) {
            case 0 -> c.cr0;
            case 1 -> c.cr2;
            case 2 -> c.cr3;
            default -> c.cr4;
        };
    }

    private java.util.Optional<X87State> x87() {
        return java.util.Optional.ofNullable(cpu.fpuState());
    }

    @Override
    public void writeRegister(int number, byte[] src, int off) {
        check(number);
        int v = (src[off] & 0xff) | (src[off + 1] & 0xff) << 8 | (src[off + 2] & 0xff) << 16 | (src[off + 3] & 0xff) << 24;
        if (number < 8) {
            c.r[number] = v;
        } else if (number == EIP) {
            c.eip = v;
        } else if (number == EFLAGS) {
            // bit 1 is always set; VM and the reserved bits are not the debugger's to change
            c.setFlags((v & 0x003f7fd5) | 2 | (c.ef.peek() & 0x20000));
        } else if (number < FIRST_ST) {
            writeSegment(number, v);
        } else {
            if (value32(number) == v && number >= FIRST_X87_CONTROL) {
                return;
            }
            throw new IllegalArgumentException("register " + name(number) + " is read-only for the debugger");
        }
    }

    /** In real mode a selector is its base / 16; in protected mode a descriptor load would be needed, so only the same value is accepted. */
    private void writeSegment(int number, int v) {
        var s = c.seg[SEG_INDEX[number - FIRST_SEG]];
        if ((v & 0xffff) == s.selector && v >>> 16 == 0) {
            return;
        }
        if (c.protectedMode() || (v >>> 16) != 0) {
            throw new IllegalArgumentException("segment register " + name(number)
                    + " can be changed by the debugger in real mode only (a protected-mode selector needs a descriptor load)");
        }
        s.set(v, v << 4, s.limit, s.attr, true);
        if (number == FIRST_SEG) {
            c.pagingChanged();
        }
    }

    private static String name(int number) {
        if (number < 8) {
            return GPR[number];
        }
        if (number < FIRST_ST) {
            return number == EIP ? "eip" : number == EFLAGS ? "eflags" : SEG[number - FIRST_SEG];
        }
        if (number < FIRST_X87_CONTROL) {
            return "st" + (number - FIRST_ST);
        }
        return number < FIRST_CR ? X87_CONTROL[number - FIRST_X87_CONTROL] : CONTROL[number - FIRST_CR];
    }

    private static void check(int number) {
        if (number < 0 || number >= COUNT) {
            throw new IllegalArgumentException("register number " + number + " is outside 0.." + (COUNT - 1));
        }
    }

    @Override
    public int programCounterRegister() {
        return EIP;
    }

    @Override
    public int readMemory(long address, byte[] dst, int off, int len) {
        return copy(address, dst, off, len, false);
    }

    @Override
    public int writeMemory(long address, byte[] src, int off, int len) {
        return copy(address, src, off, len, true);
    }

    /**
     * Copies between a debugger buffer and guest RAM at linear addresses, page by page, without
     * faults or A/D bits; stops at an unmapped page or a non-RAM address. Returns the bytes copied.
     */
    private int copy(long address, byte[] buf, int off, int len, boolean write) {
        var memory = c.phys.memory();
        int done = 0;
        while (done < len) {
            int lin = (int) (address + done);
            long pa = c.mmu.peek(lin);
            if (pa < 0) {
                break;
            }
            int n = Math.min(len - done, 0x1000 - (lin & 0xfff));
            var region = memory.regionAt(pa);
            if (region == null || pa + n > region.end() || write && region.readOnly()) {
                break;
            }
            if (write) {
                memory.write(pa, buf, off + done, n);
                memory.markDirty(pa, n);
            } else {
                memory.read(pa, buf, off + done, n);
            }
            done += n;
        }
        if (write && done > 0) {
            cpu.distrustBlocks();
        }
        return done;
    }

    @Override
    public void setBreakpoints(long[] addresses) {
        c.debug.host.setBreakpoints(addresses);
        c.debug.configure();
    }

    @Override
    public void setWatchpoints(List<Watchpoint> watchpoints) {
        int n = watchpoints.size();
        int[] start = new int[n];
        int[] length = new int[n];
        int[] kinds = new int[n];
        for (int i = 0; i < n; i++) {
            var w = watchpoints.get(i);
            start[i] = (int) w.address();
            length[i] = w.length();
            kinds[i] = switch (w.access()) {
                case READ -> 1;
                case WRITE -> 2;
                case ACCESS -> 3;
            };
        }
        c.debug.host.setWatchpoints(start, length, kinds);
        c.debug.configure();
    }

    @Override
    public OptionalLong takeWatchHit() {
        return cpu.takeWatchHit();
    }

    private static void putInt(byte[] b, int off, int v) {
        for (int i = 0; i < 4; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    private static void putLong(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }
}
