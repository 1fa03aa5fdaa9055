package dev.tern.x86.memory;

import dev.tern.spi.io.MmioSpace;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.memory.RamRegion;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The CPU's view of the physical address bus: RAM/ROM regions accessed directly through their
 * segments, everything else routed to MMIO (or all-ones when nothing decodes the address).
 */
public final class PhysicalMemory {

    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GuestMemory memory;
    private final MmioSpace mmio;
    private RamRegion[] regions;
    /**
     * Per region, its 4 KiB pages as slices, made on a page's first TLB fill and kept: a guest
     * whose working set exceeds the TLB refills it on almost every access, and a fresh slice per
     * refill made the vCPU allocate hundreds of megabytes a second (the 64 MiB rewriter), young
     * collections whose pauses stop every thread, a migration's too.
     */
    private RegionPages[] regionPages;

    /** A region and its kept page slices, read together so a refresh never pairs one region with another's. */
    private static final class RegionPages {
        final RamRegion region;
        private MemorySegment[] slices;

        RegionPages(RamRegion region) {
            this.region = region;
        }

        /** The kept slice of the page at {@code pageBase}; vCPUs racing to make one make equal ones. */
        MemorySegment slice(long pageBase) {
            MemorySegment[] s = slices;
            if (s == null) {
                s = new MemorySegment[(int) ((region.segment().byteSize() + GuestMemory.PAGE_SIZE - 1) / GuestMemory.PAGE_SIZE)];
                slices = s;
            }
            int page = (int) ((pageBase - region.base()) / GuestMemory.PAGE_SIZE);
            MemorySegment slice = s[page];
            if (slice == null) {
                slice = region.segment().asSlice(pageBase - region.base(), GuestMemory.PAGE_SIZE);
                s[page] = slice;
            }
            return slice;
        }
    }

    public PhysicalMemory(GuestMemory memory, MmioSpace mmio) {
        this.memory = memory;
        this.mmio = mmio;
        refreshRegions();
    }

    /** Re-reads the region list (after the machine's memory map changed). */
    public void refreshRegions() {
        List<RamRegion> r = memory.regions();
        RamRegion[] fresh = r.toArray(new RamRegion[0]);
        RegionPages[] pages = new RegionPages[fresh.length];
        for (int i = 0; i < fresh.length; i++) {
            pages[i] = new RegionPages(fresh[i]);
        }
        regions = fresh;
        regionPages = pages;
    }

    public GuestMemory memory() {
        return memory;
    }

    private RamRegion region(long gpa) {
        for (RamRegion r : regions) {
            if (r.contains(gpa)) {
                return r;
            }
        }
        return null;
    }

    private RegionPages regionPages(long gpa) {
        for (RegionPages p : regionPages) {
            if (p.region.contains(gpa)) {
                return p;
            }
        }
        return null;
    }

    /**
     * The 4 KiB page of host memory backing {@code gpa}, or null when the page is MMIO or unbacked,
     * or when {@code write} is asked for a ROM page.
     */
    MemorySegment page(long gpa, boolean write) {
        long pageBase = gpa & ~0xfffL;
        RegionPages r = regionPages(pageBase);
        if (r == null || (write && r.region.readOnly())) {
            return null;
        }
        if (mmio != null && mmio.isMapped(pageBase)) {
            return null;
        }
        // Post-copy: a page enters the TLB only once it is here, so the hits cost nothing.
        memory.awaitPresent(pageBase, GuestMemory.PAGE_SIZE);
        return r.slice(pageBase);
    }

    /** Reads {@code size} (1, 2 or 4) bytes not crossing a page. */
    public int read(long gpa, int size) {
        RamRegion r = region(gpa);
        if (r != null && (mmio == null || !mmio.isMapped(gpa))) {
            MemorySegment s = r.segment();
            long off = gpa - r.base();
            if (off + size <= s.byteSize()) {
                memory.awaitPresent(gpa, size);
                return switch (size) {
                    case 1 -> s.get(ValueLayout.JAVA_BYTE, off) & 0xff;
                    case 2 -> s.get(U16, off) & 0xffff;
                    default -> s.get(U32, off);
                };
            }
        }
        if (mmio != null) {
            return (int) mmio.read(gpa, size);
        }
        return size == 4 ? -1 : (1 << (size * 8)) - 1;
    }

    /** Writes {@code size} (1, 2 or 4) bytes not crossing a page; ROM writes are dropped. */
    public void write(long gpa, int size, int value) {
        RamRegion r = region(gpa);
        if (r != null && (mmio == null || !mmio.isMapped(gpa))) {
            if (r.readOnly()) {
                return;
            }
            MemorySegment s = r.segment();
            long off = gpa - r.base();
            if (off + size <= s.byteSize()) {
                memory.awaitPresent(gpa, size);
                switch (size) {
                    case 1 -> s.set(ValueLayout.JAVA_BYTE, off, (byte) value);
                    case 2 -> s.set(U16, off, (short) value);
                    default -> s.set(U32, off, value);
                }
                memory.markDirty(gpa, size);
                return;
            }
        }
        if (mmio != null) {
            mmio.write(gpa, size, value & (size == 4 ? 0xffffffffL : (1L << (size * 8)) - 1));
        }
    }
}
