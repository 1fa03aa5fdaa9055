package dev.tern.spi.memory;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A range of guest-physical addresses backed by host memory. CPUs use the segment directly for
 * fast access; they must then report writes with {@link GuestMemory#markDirty(long, long)}.
 *
 * @param name for diagnostics and saved state ({@code "ram"}, {@code "bios"})
 * @param base guest-physical address of the first byte, page aligned
 * @param segment the backing memory; its size is the region's length, a whole number of pages
 * @param readOnly true for ROM: guest writes are ignored
 */
public record RamRegion(String name, long base, MemorySegment segment, boolean readOnly) {

    public RamRegion {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(segment, "segment");
        if ((base & (GuestMemory.PAGE_SIZE - 1)) != 0 || (segment.byteSize() & (GuestMemory.PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("RAM region '" + name + "' must be page aligned: base 0x"
                    + Long.toHexString(base) + " size 0x" + Long.toHexString(segment.byteSize()));
        }
    }

    /** Length in bytes. */
    public long length() {
        return segment.byteSize();
    }

    /** One past the last address. */
    public long end() {
        return base + segment.byteSize();
    }

    /** Whether {@code gpa} falls in this region. */
    public boolean contains(long gpa) {
        return gpa >= base && gpa - base < segment.byteSize();
    }
}
