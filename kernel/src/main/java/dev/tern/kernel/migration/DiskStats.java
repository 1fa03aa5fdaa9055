package dev.tern.kernel.migration;

/**
 * A block migration's disk figures (QEMU's {@code disk} in query-migrate), over every disk.
 *
 * @param transferred block record bytes sent so far
 * @param remaining bytes of blocks still to send (those claimed for the round and those dirty since)
 * @param total bytes of every migrated image
 */
public record DiskStats(long transferred, long remaining, long total) {

    /** No block migration. */
    public static final DiskStats NONE = new DiskStats(0, 0, 0);
}
