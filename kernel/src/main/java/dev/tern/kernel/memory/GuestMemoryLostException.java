package dev.tern.kernel.memory;

/**
 * A guest page can never be read: on a post-copy destination the source that held it is gone.
 * The guest cannot go on without it, so the thread that wanted it stops here.
 */
public final class GuestMemoryLostException extends IllegalStateException {

    private final long pfn;

    public GuestMemoryLostException(long pfn, String reason) {
        super((pfn < 0 ? "guest memory lost" : "guest page 0x" + Long.toHexString(pfn << 12) + " lost") + ": " + reason);
        this.pfn = pfn;
    }

    /** The page frame number that was wanted, or -1. */
    public long pfn() {
        return pfn;
    }
}
