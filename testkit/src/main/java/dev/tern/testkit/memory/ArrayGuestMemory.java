package dev.tern.testkit.memory;

import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.memory.RamRegion;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/** Guest RAM on the Java heap for tests: one region {@code [0, size)}. Writes are not dirty-tracked. */
public final class ArrayGuestMemory implements GuestMemory {

    private final List<RamRegion> regions;

    /** RAM of {@code size} bytes, a whole number of pages, starting at address 0. */
    public ArrayGuestMemory(long size) {
        if (size < 0 || size > Integer.MAX_VALUE - PAGE_SIZE || (size & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("test RAM size " + size + " must be whole pages below 2 GiB");
        }
        this.regions = size == 0 ? List.of()
                : List.of(new RamRegion("ram", 0, MemorySegment.ofArray(new byte[(int) size]), false));
    }

    @Override
    public List<RamRegion> regions() {
        return regions;
    }

    @Override
    public void read(long gpa, byte[] dst, int off, int len) {
        for (int i = 0; i < len; i++) {
            RamRegion r = regionAt(gpa + i);
            dst[off + i] = r == null ? (byte) 0xff : r.segment().get(ValueLayout.JAVA_BYTE, gpa + i - r.base());
        }
    }

    @Override
    public void write(long gpa, byte[] src, int off, int len) {
        for (int i = 0; i < len; i++) {
            RamRegion r = regionAt(gpa + i);
            if (r != null && !r.readOnly()) {
                r.segment().set(ValueLayout.JAVA_BYTE, gpa + i - r.base(), src[off + i]);
            }
        }
    }

    @Override
    public void markDirty(long gpa, long len) {
        // Nothing tracks dirtiness in tests.
    }
}
