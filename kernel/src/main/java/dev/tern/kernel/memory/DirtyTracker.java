package dev.tern.kernel.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A private dirty bitmap fed by every mark that reaches a {@link DirtyLog}, harvested on its own
 * schedule: a consumer that needs the pages written since its own last look (the replay
 * fingerprint) gets them without claiming the log that migration and fault tolerance share, and
 * without clearing bits they still need. Opened with {@link DirtyLog#track}; marks arrive whether
 * or not the log itself is enabled.
 *
 * <p>As with the log, a harvest only sees every write if each vCPU dropped its cached write
 * permissions ({@code Vcpu.writeProtectAll()}) while all were stopped, before the harvest.
 */
public final class DirtyTracker implements AutoCloseable {

    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);

    private final DirtyLog log;
    private final String owner;
    private final long[] words;
    private final long pageCount;

    DirtyTracker(DirtyLog log, String owner, long pageCount) {
        this.log = log;
        this.owner = owner;
        this.pageCount = pageCount;
        this.words = new long[DirtyLog.wordsFor(pageCount)];
    }

    /** Who opened this tracker, for diagnostics. */
    public String owner() {
        return owner;
    }

    void set(long pfn) {
        // atomic like DirtyLog.setBit: a mark must land in this harvest or the next, never be lost
        WORD.getAndBitwiseOr(words, (int) (pfn >>> 6), 1L << pfn);
    }

    /** Takes the pages marked since the previous harvest (or since this tracker was opened) and clears them. */
    public DirtyPages syncAndClear() {
        long[] taken = new long[words.length];
        for (int i = 0; i < words.length; i++) {
            if ((long) WORD.getVolatile(words, i) != 0) {
                taken[i] = (long) WORD.getAndSet(words, i, 0L);
            }
        }
        return new DirtyPages(taken, pageCount);
    }

    /** Stops receiving marks. */
    @Override
    public void close() {
        log.untrack(this);
    }

    @Override
    public String toString() {
        return "DirtyTracker[" + owner + "]";
    }
}
