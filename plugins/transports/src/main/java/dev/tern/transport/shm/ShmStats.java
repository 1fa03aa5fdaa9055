package dev.tern.transport.shm;

/**
 * What crossed an shm connection in one direction.
 *
 * @param bytesWritten region bytes copied one-sided
 * @param bytesZeroSkipped zero bytes only announced, never written
 * @param bytesZeroFilled zero bytes written because the destination chunk was no longer pristine
 * @param flushes chunks-done messages
 */
public record ShmStats(long bytesWritten, long bytesZeroSkipped, long bytesZeroFilled, long flushes) {

    /** Nothing yet. */
    public static final ShmStats NONE = new ShmStats(0, 0, 0, 0);

    ShmStats plus(long written, long skipped, long filled, long flushCount) {
        return new ShmStats(bytesWritten + written, bytesZeroSkipped + skipped, bytesZeroFilled + filled,
                flushes + flushCount);
    }
}
