package dev.tern.kernel.replay;

import dev.tern.kernel.memory.DirtyPages;
import dev.tern.kernel.memory.DirtyTracker;
import dev.tern.kernel.memory.GuestRam;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.memory.RamRegion;

import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The per-MiB CRC32C of writable RAM that a {@link StateFingerprint} holds, kept current from the
 * pages written since the previous look instead of reading all of RAM each time: a CRC per 4 KiB
 * page, refreshed for the pages a private {@link DirtyTracker} reports, and each touched chunk's CRC
 * recomputed from its page CRCs ({@link Crc32cConcat}).
 *
 * <p>The result is the same value {@link StateFingerprint#of(GuestMemory, List)} computes by reading
 * everything — not an approximation — as long as every write to RAM since the last full read was
 * marked in the dirty log (the {@code GuestMemory.markDirty} contract that migration relies on too).
 * A page written once long ago keeps its CRC in the table, so a divergence there shows in every
 * later fingerprint exactly as with a full read. Writes that bypass the log — loading a snapshot
 * writes RAM directly — are covered by {@link #invalidate()}, after which the next look reads all of
 * RAM again.
 *
 * <p>Not thread-safe: use from one thread while no vCPU runs (EMT 0 between slices).
 */
public final class RamPageCrcs implements AutoCloseable {

    private static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final int PAGES_PER_CHUNK = StateFingerprint.RAM_CHUNK / PAGE;
    private static final Crc32cConcat JOIN_PAGE = new Crc32cConcat(PAGE);

    private final GuestRam ram;
    private final Runnable markWritable;
    private final List<RamRegion> writable = new ArrayList<>();
    /** Per writable region: the index of its first page in {@link #pageCrcs}. */
    private final int[] firstPage;
    private final int[] pageCrcs;
    /** Per chunk: the index of its first page; one extra entry closes the last chunk. */
    private final int[] chunkStart;
    private final int[] chunkCrcs;
    private final CRC32C crc = new CRC32C();
    private DirtyTracker tracker;
    /** Set from the thread that loaded a snapshot while the machine was paused. */
    private volatile boolean stale = true;
    private long pagesRead;

    /**
     * Tracks {@code ram}; {@code markWritable} puts every page a vCPU can write without reporting it
     * into the dirty log's new round (each vCPU's {@code markWritableDirty()}), run just after each
     * harvest. Marking them keeps the vCPUs' write permissions: dropping them instead made every
     * checkpoint send the guest's next stores down the interpreter's slow write path, which the JIT
     * had compiled as never taken — each recording recompiled the interpreter loop for it.
     */
    public RamPageCrcs(GuestRam ram, Runnable markWritable) {
        this.ram = ram;
        this.markWritable = markWritable;
        var starts = new ArrayList<Integer>();
        int pages = 0;
        for (RamRegion r : ram.regions()) {
            if (r.readOnly()) {
                continue;
            }
            writable.add(r);
            for (long off = 0; off < r.length(); off += StateFingerprint.RAM_CHUNK) {
                starts.add(pages + (int) (off / PAGE));
            }
            pages = Math.addExact(pages, Math.toIntExact(r.length() / PAGE));
        }
        starts.add(pages);
        this.firstPage = new int[writable.size()];
        int p = 0;
        for (int i = 0; i < writable.size(); i++) {
            firstPage[i] = p;
            p += (int) (writable.get(i).length() / PAGE);
        }
        this.pageCrcs = new int[pages];
        this.chunkStart = starts.stream().mapToInt(Integer::intValue).toArray();
        this.chunkCrcs = new int[chunkStart.length - 1];
    }

    /** The CRC32C of each 1 MiB chunk of writable RAM as it is now, regions in address order. */
    public int[] chunks() {
        if (tracker == null) {
            tracker = ram.dirtyLog().track("the replay fingerprint");
        }
        DirtyPages written = tracker.syncAndClear();
        // Written pages may be re-read needlessly next time; none can be missed.
        markWritable.run();
        if (stale) {
            readAll();
            stale = false;
        } else {
            refresh(written);
        }
        return chunkCrcs.clone();
    }

    /** RAM was written past the dirty log (a snapshot loaded): the next look reads all of it. */
    public void invalidate() {
        stale = true;
    }

    /** Pages read since this was made: all of RAM on a full read, the written ones otherwise. */
    public long pagesRead() {
        return pagesRead;
    }

    @Override
    public void close() {
        if (tracker != null) {
            tracker.close();
        }
    }

    private void readAll() {
        for (int i = 0; i < writable.size(); i++) {
            int pages = (int) (writable.get(i).length() / PAGE);
            for (int k = 0; k < pages; k++) {
                pageCrcs[firstPage[i] + k] = pageCrc(writable.get(i), k);
            }
        }
        for (int c = 0; c < chunkCrcs.length; c++) {
            chunkCrcs[c] = join(c);
        }
    }

    private void refresh(DirtyPages written) {
        boolean[] touched = new boolean[chunkCrcs.length];
        int[] chunk = {0};
        written.forEach(pfn -> {
            int page = pageIndex(pfn);
            if (page < 0) {
                return; // ROM or a hole: not fingerprinted
            }
            pageCrcs[page] = pageCrc(page);
            // pages come in ascending order, so the chunk search only moves forward
            while (chunkStart[chunk[0] + 1] <= page) {
                chunk[0]++;
            }
            touched[chunk[0]] = true;
        });
        for (int c = 0; c < touched.length; c++) {
            if (touched[c]) {
                chunkCrcs[c] = join(c);
            }
        }
    }

    /** The table index of page frame {@code pfn}, or -1 when it is not writable RAM. */
    private int pageIndex(long pfn) {
        long gpa = pfn * PAGE;
        for (int i = 0; i < writable.size(); i++) {
            RamRegion r = writable.get(i);
            if (r.contains(gpa)) {
                return firstPage[i] + (int) ((gpa - r.base()) / PAGE);
            }
        }
        return -1;
    }

    private int pageCrc(int page) {
        int i = writable.size() - 1;
        while (firstPage[i] > page) {
            i--;
        }
        return pageCrc(writable.get(i), page - firstPage[i]);
    }

    private int pageCrc(RamRegion r, int k) {
        pagesRead++;
        crc.reset();
        crc.update(r.segment().asSlice((long) k * PAGE, PAGE).asByteBuffer());
        return (int) crc.getValue();
    }

    private int join(int c) {
        int v = pageCrcs[chunkStart[c]];
        for (int p = chunkStart[c] + 1; p < chunkStart[c + 1]; p++) {
            v = JOIN_PAGE.concat(v, pageCrcs[p]);
        }
        return v;
    }
}
