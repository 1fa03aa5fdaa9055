package dev.tern.x86.jit;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.memory.Segment;

/**
 * The memory accesses of translated code: segment check, then the soft TLB's fast path straight to
 * the backing RAM. Everything the interpreter's slow path would handle — a TLB miss, MMIO, a page
 * with decoded code (no write entry), an access crossing a page, a segment limit or rights problem,
 * an alignment check that could fire — throws {@link TlbMiss} before anything changed, so the
 * translated block stops at that instruction and the interpreter runs it (and raises its fault).
 * The methods are small so HotSpot inlines them into the translated method.
 */
public final class TlbPath {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TlbPath() {
    }

    /** The linear address of {@code size} readable bytes at {@code s:off} within one page, or a miss. */
    private static int readable(CpuCore c, int s, int off, int size) {
        Segment sg = c.seg[s];
        if (!sg.readable || !sg.inLimit(off, size)) {
            throw TlbMiss.INSTANCE;
        }
        return linear(c, sg.base + off, size);
    }

    private static int writable(CpuCore c, int s, int off, int size) {
        Segment sg = c.seg[s];
        if (!sg.writable || !sg.inLimit(off, size)) {
            throw TlbMiss.INSTANCE;
        }
        return linear(c, sg.base + off, size);
    }

    private static int linear(CpuCore c, int lin, int size) {
        if ((lin & 0xfff) > 0x1000 - size
                || (lin & (size - 1)) != 0 && c.user() != 0 && (c.cr0 & CpuCore.CR0_AM) != 0 && c.ef.get(CpuCore.AC) != 0) {
            throw TlbMiss.INSTANCE;
        }
        return lin;
    }

    private static MemorySegment readPage(CpuCore c, int lin) {
        MemorySegment page = c.mmu.readHit(lin, c.user());
        if (page == null) {
            throw TlbMiss.INSTANCE;
        }
        return page;
    }

    private static MemorySegment writePage(CpuCore c, int lin) {
        MemorySegment page = c.mmu.writeHit(lin, c.user());
        if (page == null) {
            throw TlbMiss.INSTANCE;
        }
        return page;
    }

    public static int read8(CpuCore c, int s, int off) {
        int lin = readable(c, s, off, 1);
        return readPage(c, lin).get(ValueLayout.JAVA_BYTE, lin & 0xfff) & 0xff;
    }

    public static int read16(CpuCore c, int s, int off) {
        int lin = readable(c, s, off, 2);
        return readPage(c, lin).get(U16, lin & 0xfff) & 0xffff;
    }

    public static int read32(CpuCore c, int s, int off) {
        int lin = readable(c, s, off, 4);
        return readPage(c, lin).get(U32, lin & 0xfff);
    }

    public static void write8(CpuCore c, int s, int off, int v) {
        int lin = writable(c, s, off, 1);
        writePage(c, lin).set(ValueLayout.JAVA_BYTE, lin & 0xfff, (byte) v);
    }

    public static void write32(CpuCore c, int s, int off, int v) {
        int lin = writable(c, s, off, 4);
        writePage(c, lin).set(U32, lin & 0xfff, v);
    }

    /** PUSH on a 32-bit stack: the store, then ESP (a 16-bit stack misses). */
    public static void push32(CpuCore c, int v) {
        if (!c.seg[CpuCore.SS].big()) {
            throw TlbMiss.INSTANCE;
        }
        int sp = c.r[CpuCore.ESP] - 4;
        write32(c, CpuCore.SS, sp, v);
        c.r[CpuCore.ESP] = sp;
    }

    /** POP from a 32-bit stack: returns the value after ESP moved (POP ESP then takes the value). */
    public static int pop32(CpuCore c) {
        if (!c.seg[CpuCore.SS].big()) {
            throw TlbMiss.INSTANCE;
        }
        int sp = c.r[CpuCore.ESP];
        int v = read32(c, CpuCore.SS, sp);
        c.r[CpuCore.ESP] = sp + 4;
        return v;
    }

    /** RET: pops the return address, which must lie within the CS limit (else the interpreter faults). */
    public static int popReturn(CpuCore c) {
        if (!c.seg[CpuCore.SS].big()) {
            throw TlbMiss.INSTANCE;
        }
        int sp = c.r[CpuCore.ESP];
        int t = read32(c, CpuCore.SS, sp);
        if (Integer.compareUnsigned(t, c.seg[CpuCore.CS].limit) > 0) {
            throw TlbMiss.INSTANCE;
        }
        c.r[CpuCore.ESP] = sp + 4;
        return t;
    }
}
