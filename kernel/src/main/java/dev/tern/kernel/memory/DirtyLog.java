package dev.tern.kernel.memory;

import dev.tern.kernel.trace.DirtyLogSyncEvent;
import dev.tern.spi.memory.GuestMemory;

/**
 * One bit per 4 KiB guest page over {@code [0, ramEnd)}, set when the page is written while logging
 * is {@linkplain #enable() enabled}; migration, snapshots and checkpoints harvest it with
 * {@link #syncAndClear()}. Every mark also lands, enabled or not, in the record of the pages ever
 * written ({@link #written()}), which lets a first pass skip RAM that was never touched.
 *
 * <p>Marking and harvesting are lock-free: each 64-bit word is set with an atomic OR and harvested
 * with an atomic swap to zero, so every mark lands either in the snapshot being taken or in the
 * next one — never lost — even while other threads keep marking.
 *
 * <p>Writes made through {@link GuestRam#write} are marked here directly. CPUs that write RAM
 * segments directly only call {@link GuestMemory#markDirty} on the first write to a page after its
 * bit was cleared (they write-protect their page cache and re-mark on the fault). The Machine keeps
 * that race-free by running {@code syncAndClear} inside an all-vCPU rendezvous right after each
 * vCPU's {@code writeProtectAll()}: no vCPU can then hold a stale "already dirty" belief about a
 * page whose bit was just cleared.
 */
public final class DirtyLog {

    private final PageBits bits;
    private final WrittenPages written;
    private final long pageCount;
    private final long limit;
    private volatile boolean enabled;
    /** Private bitmaps fed by every mark, enabled or not ({@link #track}); copied on change. */
    private volatile DirtyTracker[] trackers = new DirtyTracker[0];
    private final java.util.concurrent.atomic.AtomicReference<Holder> owner = new java.util.concurrent.atomic.AtomicReference<>();

    /** Who holds the log, and how to ask it to give the log up (null: it does not yield). */
    private record Holder(String who, Runnable onWanted) {
    }

    /** How long a claim waits for a yielding holder to release the log. */
    private static final long YIELD_WAIT_NANOS = 2_000_000_000L;

    /** A disabled log covering {@code [0, ramEnd)}; {@code ramEnd} need not be page aligned. */
    public DirtyLog(long ramEnd) {
        if (ramEnd < 0) {
            throw new IllegalArgumentException("dirty log size must be >= 0, was " + ramEnd);
        }
        this.limit = ramEnd;
        this.pageCount = (ramEnd + GuestMemory.PAGE_SIZE - 1) >>> GuestMemory.PAGE_SHIFT;
        this.bits = new PageBits(pageCount);
        this.written = new WrittenPages(pageCount);
    }

    /**
     * Starts a fresh tracking period: clears every bit, then accepts marks. Marks racing with this
     * call may be dropped; they happened before tracking began.
     */
    public void enable() {
        clearAll();
        enabled = true;
    }

    /**
     * Claims the log for {@code who} (a migration, a dirty-rate measurement, a checkpointing run)
     * and {@linkplain #enable() enables} it: one user at a time, because each harvest clears what
     * the others would need.
     *
     * @throws IllegalStateException naming the current holder when the log is claimed already
     */
    public void claim(String who) {
        take(new Holder(java.util.Objects.requireNonNull(who, "who"), null));
    }

    /**
     * Claims the log as {@link #claim} does, for a holder whose use can end early (a warm-up): a
     * later {@link #claim} calls {@code onWanted}, waits for this holder's {@link #release} and
     * then takes the log, instead of failing.
     */
    public void claimYielding(String who, Runnable onWanted) {
        take(new Holder(java.util.Objects.requireNonNull(who, "who"), java.util.Objects.requireNonNull(onWanted, "onWanted")));
    }

    private void take(Holder h) {
        long deadline = System.nanoTime() + YIELD_WAIT_NANOS;
        while (!owner.compareAndSet(null, h)) {
            Holder held = owner.get();
            if (held == null) {
                continue;
            }
            if (held.onWanted() == null || System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("the dirty log is in use by " + held.who());
            }
            held.onWanted().run();
            awaitRelease(held, deadline);
        }
        enable();
    }

    private synchronized void awaitRelease(Holder held, long deadline) {
        long left;
        while (owner.get() == held && (left = deadline - System.nanoTime()) > 0) {
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while " + held.who() + " gave up the dirty log", e);
            }
        }
    }

    /** Disables the log and gives it up, if {@code who} holds it; otherwise does nothing. */
    public void release(String who) {
        Holder h = owner.get();
        if (h != null && who.equals(h.who())) {
            disable();
            owner.compareAndSet(h, null);
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /**
     * Opens a private bitmap that receives every later mark, independent of {@link #claim} and
     * {@link #enable}: for a consumer that harvests on its own schedule alongside whoever holds the
     * log (a recording's fingerprint next to a migration). Close it to stop the marks.
     */
    public synchronized DirtyTracker track(String who) {
        var t = new DirtyTracker(this, java.util.Objects.requireNonNull(who, "who"), pageCount);
        DirtyTracker[] now = java.util.Arrays.copyOf(trackers, trackers.length + 1);
        now[now.length - 1] = t;
        trackers = now;
        return t;
    }

    synchronized void untrack(DirtyTracker t) {
        trackers = java.util.Arrays.stream(trackers).filter(x -> x != t).toArray(DirtyTracker[]::new);
    }

    /** Stops tracking; later marks are ignored (by the log; open trackers still get them). Bits are kept. */
    public void disable() {
        enabled = false;
    }

    /** Whether marks are being recorded. */
    public boolean isEnabled() {
        return enabled;
    }

    /** How many pages the log covers. */
    public long pageCount() {
        return pageCount;
    }

    /**
     * Marks every page touched by {@code [gpa, gpa+len)}. Parts beyond the covered range are ignored:
     * nothing there can be migrated.
     *
     * @throws IllegalArgumentException for a negative address or length, or a range that overflows
     */
    public void mark(long gpa, long len) {
        if (gpa < 0 || len < 0 || gpa + len < gpa) {
            throw new IllegalArgumentException("bad dirty range at 0x" + Long.toHexString(gpa) + " length " + len);
        }
        boolean on = enabled;
        DirtyTracker[] ts = trackers;
        if (len == 0 || gpa >= limit) {
            return;
        }
        long first = gpa >>> GuestMemory.PAGE_SHIFT;
        long last = (Math.min(gpa + len, limit) - 1) >>> GuestMemory.PAGE_SHIFT;
        for (long pfn = first; pfn <= last; pfn++) {
            written.set(pfn);
            if (on) {
                setBit(pfn);
            }
            for (DirtyTracker t : ts) {
                t.set(pfn);
            }
        }
    }

    /**
     * Marks page frame {@code pfn}.
     *
     * @throws IndexOutOfBoundsException when the page is outside the covered range
     */
    public void markPage(long pfn) {
        if (pfn < 0 || pfn >= pageCount) {
            throw new IndexOutOfBoundsException("page frame 0x" + Long.toHexString(pfn)
                    + " outside the dirty log's " + pageCount + " pages");
        }
        written.set(pfn);
        if (enabled) {
            setBit(pfn);
        }
        for (DirtyTracker t : trackers) {
            t.set(pfn);
        }
    }

    /**
     * The pages written since the RAM was allocated, by any path, logging enabled or not: every other
     * page holds only zeros still. Sees every write made before it only when taken with the vCPUs
     * stopped after their cached write permissions were dropped (as {@link #syncAndClear} needs).
     */
    public DirtyPages written() {
        return written.snapshot();
    }

    /**
     * Records that {@code [gpa, gpa+len)} was written by a path that writes RAM without marking it —
     * a stream receiver, a post-copy install, a mapped file — for {@link #written()} only: it is not
     * a dirty mark (a receiving machine's writes are not the guest's).
     */
    public void noteWritten(long gpa, long len) {
        if (gpa < 0 || len < 0 || gpa + len < gpa) {
            throw new IllegalArgumentException("bad written range at 0x" + Long.toHexString(gpa) + " length " + len);
        }
        if (len == 0 || gpa >= limit) {
            return;
        }
        long last = (Math.min(gpa + len, limit) - 1) >>> GuestMemory.PAGE_SHIFT;
        for (long pfn = gpa >>> GuestMemory.PAGE_SHIFT; pfn <= last; pfn++) {
            written.set(pfn);
        }
    }

    /** Marks every page: the first round of a migration sends all of RAM. */
    public void markAll() {
        if (!enabled) {
            return;
        }
        bits.setAll();
    }

    /**
     * Takes the dirty bits and clears them, word by word atomically. Records a
     * {@code dev.tern.DirtyLogSync} flight-recorder event.
     */
    public DirtyPages syncAndClear() {
        DirtyLogSyncEvent event = new DirtyLogSyncEvent();
        event.begin();
        DirtyPages pages = bits.take();
        event.end();
        if (event.shouldCommit()) {
            event.dirtyPages = pages.count();
            event.trackedPages = pageCount;
            event.commit();
        }
        return pages;
    }

    private void setBit(long pfn) {
        bits.set(pfn);
    }

    private void clearAll() {
        bits.clear();
    }
}
