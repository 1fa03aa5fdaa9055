package dev.tern.kernel.ft;

import dev.tern.kernel.memory.DirtyPages;
import dev.tern.kernel.ram.PageSet;
import dev.tern.kernel.state.RamLayout;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.memory.RamRegion;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The primary's staging copy of guest RAM: one region per writable region of the guest, same
 * name, base and size. A checkpoint copies its dirty pages here while the vCPUs are stopped, then
 * the guest runs on while a {@link dev.tern.kernel.ram.RamSender} over this memory sends the copy —
 * so the pause is the copy alone, and the pages sent are exactly those of the checkpoint. It is a
 * {@link GuestMemory} only so the sender can read it; nothing writes it through that interface.
 */
final class StagedRam implements GuestMemory, AutoCloseable {

    private final Arena arena = Arena.ofShared();
    private final List<RamRegion> live;
    private final List<RamRegion> copies;

    StagedRam(GuestMemory memory) {
        this.live = RamLayout.writable(memory);
        List<RamRegion> c = new ArrayList<>();
        for (RamRegion r : live) {
            c.add(new RamRegion(r.name(), r.base(), arena.allocate(r.length(), PAGE_SIZE), false));
        }
        this.copies = List.copyOf(c);
    }

    @Override
    public List<RamRegion> regions() {
        return copies;
    }

    /** Copies every writable page (the full sync); returns the pages copied. */
    long copyAll() {
        long pages = 0;
        for (int i = 0; i < live.size(); i++) {
            MemorySegment.copy(live.get(i).segment(), 0, copies.get(i).segment(), 0, live.get(i).length());
            pages += live.get(i).length() / PAGE_SIZE;
        }
        return pages;
    }

    /**
     * Copies the writable pages of {@code dirty} and adds them to {@code round}; pages of read-only
     * or unmapped addresses are skipped (firmware comes from the configuration). Returns the pages
     * copied.
     */
    long copy(DirtyPages dirty, PageSet round) {
        long[] copied = {0};
        dirty.forEach(pfn -> {
            long gpa = pfn << PAGE_SHIFT;
            for (int i = 0; i < live.size(); i++) {
                RamRegion r = live.get(i);
                if (r.contains(gpa) && pfn < round.pageCount()) {
                    long off = gpa - r.base();
                    MemorySegment.copy(r.segment(), off, copies.get(i).segment(), off, PAGE_SIZE);
                    round.addRange(pfn, pfn + 1);
                    copied[0]++;
                    return;
                }
            }
        });
        return copied[0];
    }

    @Override
    public void read(long gpa, byte[] dst, int off, int len) {
        throw new UnsupportedOperationException("the staging copy is read by the RAM sender only");
    }

    @Override
    public void write(long gpa, byte[] src, int off, int len) {
        throw new UnsupportedOperationException("the staging copy is written by checkpoints only");
    }

    @Override
    public void markDirty(long gpa, long len) {
        throw new UnsupportedOperationException("the staging copy has no dirty log");
    }

    @Override
    public void close() {
        arena.close();
    }
}
