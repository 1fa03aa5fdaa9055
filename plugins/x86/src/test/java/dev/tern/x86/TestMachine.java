package dev.tern.x86;

import dev.tern.spi.cpu.VcpuExit;
import dev.tern.x86.conformance.FlatGuestMemory;
import dev.tern.x86.core.CpuCore;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A 4 MiB test machine with a flat protected-mode environment: GDT at 0x1000, IDT at 0x2000 whose
 * every vector points at its own HLT (0x20000 + 16 * vector), TSS at 0x3000, ring-0 stack below
 * 0x80000, ring-3 stack below 0x90000, code at 0x10000.
 */
final class TestMachine {

    static final int GDT = 0x1000, IDT = 0x2000, TSS = 0x3000, HANDLERS = 0x20000, CODE = 0x10000;
    static final int STACK0 = 0x80000, STACK3 = 0x90000;
    static final int CODE0 = 0x08, DATA0 = 0x10, CODE3 = 0x1b, DATA3 = 0x23, TSS_SEL = 0x28, GATE3 = 0x33,
            CODE16 = 0x38, DATA16 = 0x40, CONFORMING = 0x48;

    final FlatGuestMemory memory = new FlatGuestMemory(4 << 20);
    final MapPortSpace ports = new MapPortSpace();
    final ArrayDeque<Integer> vectors = new ArrayDeque<>();
    final X86Cpu cpu = new X86Cpu(0, memory, null, ports, () -> vectors.isEmpty() ? 0x20 : vectors.poll(),
            () -> 0L, 1_000_000_000L, 0x611);

    void poke(int addr, int... bytes) {
        for (int i = 0; i < bytes.length; i++) {
            memory.writeU8(addr + i, bytes[i]);
        }
    }

    int peek32(int addr) {
        return memory.readU32(addr);
    }

    static long segment(int base, int limit, int access, int flags) {
        long lo = (limit & 0xffffL) | ((base & 0xffffL) << 16);
        long hi = ((base >>> 16) & 0xff) | ((long) access << 8) | (limit & 0xf0000L) | ((long) flags << 20)
                | (base & 0xff000000L);
        return lo | (hi << 32);
    }

    static long gate(int selector, int offset, int type, int dpl, int params) {
        long lo = (offset & 0xffffL) | ((long) selector << 16);
        long hi = (offset & 0xffff0000L) | (0x80L | (dpl << 5) | type) << 8 | params;
        return lo | (hi << 32);
    }

    void descriptor(int table, int index, long d) {
        memory.writeU64(table + index * 8L, d);
    }

    /** Builds GDT, IDT, TSS and the HLT handlers, and loads a flat ring-0 32-bit state at CODE. */
    TestMachine protectedMode() {
        descriptor(GDT, 1, segment(0, 0xfffff, 0x9b, 0xc));
        descriptor(GDT, 2, segment(0, 0xfffff, 0x93, 0xc));
        descriptor(GDT, 3, segment(0, 0xfffff, 0xfb, 0xc));
        descriptor(GDT, 4, segment(0, 0xfffff, 0xf3, 0xc));
        descriptor(GDT, 5, segment(TSS, 0x67, 0x8b, 0));
        descriptor(GDT, 6, gate(CODE0, HANDLERS + 0x1000, 0xc, 3, 0));
        descriptor(GDT, 7, segment(0, 0xffff, 0x9b, 0));
        descriptor(GDT, 8, segment(0, 0xffff, 0x93, 0));
        descriptor(GDT, 9, segment(0, 0xfffff, 0x9f, 0xc));
        for (int v = 0; v < 256; v++) {
            descriptor(IDT, v, gate(CODE0, HANDLERS + v * 16, 0xe, v >= 0x80 ? 3 : 0, 0));
            poke(HANDLERS + v * 16, 0xF4);
        }
        poke(HANDLERS + 0x1000, 0xF4);
        memory.writeU32(TSS + 4, STACK0);
        memory.writeU32(TSS + 8, DATA0);
        memory.writeU16(TSS + 0x66, 0x68);
        List<SegmentState> segs = new ArrayList<>();
        SegmentState data = new SegmentState(DATA0, 0, -1, 0xc093, true);
        segs.add(data);
        segs.add(new SegmentState(CODE0, 0, -1, 0xc09b, true));
        segs.add(data);
        segs.add(data);
        segs.add(data);
        segs.add(data);
        int[] gprs = new int[8];
        gprs[CpuCore.ESP] = STACK0;
        cpu.load(new X86State(gprs, CODE, 2, segs, new SegmentState(0, 0, 0, 0x82, false),
                new SegmentState(TSS_SEL, TSS, 0x67, 0x8b, true), GDT, 16 * 8 - 1, IDT, 256 * 8 - 1,
                0x60000011, 0, 0, 0, new int[] {0, 0, 0, 0, 0, 0, 0xffff0ff0, 0x400}, 0, 0, 0xfee00100L, 0,
                false, false, false, true, X86State.FPU_POWER_ON));
        return this;
    }

    /** Identity-maps the first 4 MiB with 4 KiB pages (user, writable) and enables paging. */
    TestMachine paging() {
        int pd = 0x100000;
        int pt = 0x101000;
        memory.writeU32(pd, pt | 7);
        for (int i = 0; i < 1024; i++) {
            memory.writeU32(pt + i * 4, (i << 12) | 7);
        }
        CpuCore c = cpu.core();
        c.cr3 = pd;
        c.cr0 |= 0x80010000;
        c.pagingChanged();
        return this;
    }

    /**
     * Makes #DF a task gate (selector 0x50) to a 32-bit TSS at {@code tss} whose task starts at
     * {@code handler} with ring-0 flat segments, and marks #NP's gate not present, so a #GP raised
     * while loading a bad selector escalates to a double fault — as Linux/i386 handles #DF.
     */
    TestMachine doubleFaultTask(int tss, int handler) {
        descriptor(GDT, 10, segment(tss, 0x67, 0x89, 0));
        descriptor(IDT, 8, gate(0x50, 0, 0x5, 0, 0));
        memory.writeU32(IDT + 13 * 8 + 4, peek32(IDT + 13 * 8 + 4) & ~0x8000);
        memory.writeU32(tss + 0x20, handler);
        memory.writeU32(tss + 0x24, 2);
        memory.writeU32(tss + 0x38, 0x70000);
        memory.writeU16(tss + 0x48, DATA0);
        memory.writeU16(tss + 0x4c, CODE0);
        memory.writeU16(tss + 0x50, DATA0);
        memory.writeU16(tss + 0x54, DATA0);
        return this;
    }

    /** Address of the page-table entry mapping {@code lin} (after {@link #paging()}). */
    int pte(int lin) {
        return 0x101000 + ((lin >>> 12) & 0x3ff) * 4;
    }

    void code(int... bytes) {
        poke(CODE, bytes);
    }

    VcpuExit run() {
        return cpu.run(10_000);
    }

    /** The vector whose HLT handler the CPU stopped in, or -1. */
    int handledVector() {
        CpuCore c = cpu.core();
        int at = c.eip - 1 - HANDLERS;
        return at >= 0 && at < 0x1000 && at % 16 == 0 ? at / 16 : -1;
    }

    int esp() {
        return cpu.core().r[CpuCore.ESP];
    }

    /** The dword {@code index} slots above the top of the current stack. */
    int stack(int index) {
        return peek32(cpu.core().seg[CpuCore.SS].base + esp() + index * 4);
    }
}
