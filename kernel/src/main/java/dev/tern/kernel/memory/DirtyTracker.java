package dev.tern.kernel.memory;

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

    private final DirtyLog log;
    private final String owner;
    private final PageBits bits;

    DirtyTracker(DirtyLog log, String owner, long pageCount) {
        this.log = log;
        this.owner = owner;
        this.bits = new PageBits(pageCount);
    }

    /** Who opened this tracker, for diagnostics. */
    public String owner() {
        return owner;
    }

    void set(long pfn) {
        bits.set(pfn);
    }

    /** Takes the pages marked since the previous harvest (or since this tracker was opened) and clears them. */
    public DirtyPages syncAndClear() {
        return bits.take();
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
