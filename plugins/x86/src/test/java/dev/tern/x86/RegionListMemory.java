package dev.tern.x86;

import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.memory.RamRegion;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/** Guest memory of several regions (RAM and ROM) that records markDirty calls (a test fixture). */
final class RegionListMemory implements GuestMemory {

    final List<RamRegion> regions = new ArrayList<>();
    final List<long[]> dirty = new ArrayList<>();

    RegionListMemory add(String name, long base, long size, boolean readOnly) {
        MemorySegment s = Arena.ofAuto().allocate(size, PAGE_SIZE);
        regions.add(new RamRegion(name, base, s, readOnly));
        return this;
    }

    @Override
    public List<RamRegion> regions() {
        return regions;
    }

    @Override
    public void read(long gpa, byte[] dst, int off, int len) {
        for (int i = 0; i < len; i++) {
            RamRegion r = regionAt(gpa + i);
            dst[off + i] = r == null ? (byte) -1 : r.segment().get(ValueLayout.JAVA_BYTE, gpa + i - r.base());
        }
    }

    @Override
    public void write(long gpa, byte[] src, int off, int len) {
        for (int i = 0; i < len; i++) {
            RamRegion r = regionAt(gpa + i);
            if (r != null) {
                r.segment().set(ValueLayout.JAVA_BYTE, gpa + i - r.base(), src[off + i]);
            }
        }
    }

    @Override
    public void markDirty(long gpa, long len) {
        dirty.add(new long[] {gpa, len});
    }

    boolean dirtied(long page) {
        return dirty.stream().anyMatch(d -> d[0] <= page && page < d[0] + d[1]);
    }
}
