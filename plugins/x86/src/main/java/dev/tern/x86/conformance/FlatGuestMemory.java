package dev.tern.x86.conformance;

import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.memory.RamRegion;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.BitSet;
import java.util.List;

/**
 * One RAM region at physical address 0 that remembers which pages were written (through
 * {@link #write} or reported by the CPU with {@link #markDirty}), so a test harness can check and
 * clean exactly the pages an instruction touched.
 */
public final class FlatGuestMemory implements GuestMemory {

    private final MemorySegment ram;
    private final List<RamRegion> regions;
    private final BitSet dirty;

    public FlatGuestMemory(long size) {
        if (size <= 0 || (size & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("RAM size must be a positive multiple of 4 KiB: " + size);
        }
        ram = Arena.ofAuto().allocate(size, PAGE_SIZE);
        regions = List.of(new RamRegion("ram", 0, ram, false));
        dirty = new BitSet((int) (size >>> PAGE_SHIFT));
    }

    public MemorySegment segment() {
        return ram;
    }

    @Override
    public List<RamRegion> regions() {
        return regions;
    }

    private void check(long gpa, int len) {
        if (gpa < 0 || len < 0 || gpa + len > ram.byteSize()) {
            throw new IndexOutOfBoundsException("guest range 0x" + Long.toHexString(gpa) + "+" + len
                    + " outside RAM of 0x" + Long.toHexString(ram.byteSize()) + " bytes");
        }
    }

    @Override
    public void read(long gpa, byte[] dst, int off, int len) {
        check(gpa, len);
        MemorySegment.copy(ram, ValueLayout.JAVA_BYTE, gpa, dst, off, len);
    }

    @Override
    public void write(long gpa, byte[] src, int off, int len) {
        check(gpa, len);
        MemorySegment.copy(src, off, ram, ValueLayout.JAVA_BYTE, gpa, len);
        markDirty(gpa, len);
    }

    @Override
    public void markDirty(long gpa, long len) {
        if (len <= 0) {
            return;
        }
        int first = (int) (gpa >>> PAGE_SHIFT);
        int last = (int) ((gpa + len - 1) >>> PAGE_SHIFT);
        dirty.set(first, last + 1);
    }

    /** Pages marked dirty since the last {@link #clearDirty()}. */
    public BitSet dirtyPages() {
        return (BitSet) dirty.clone();
    }

    public void clearDirty() {
        dirty.clear();
    }
}
