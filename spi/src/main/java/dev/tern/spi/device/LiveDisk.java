package dev.tern.spi.device;

import java.io.IOException;

/**
 * A disk whose image the kernel can copy to a migration's destination while the guest runs (block
 * migration: no shared storage). A device offers it with {@link MachineControl#offerDisk}; the
 * kernel owns the dirty-block bitmap and the stream, so every disk that offers this migrates the
 * same way. Offsets and lengths are bytes of the image.
 *
 * @since SPI 1.8
 */
public interface LiveDisk {

    /** The image size in bytes; a destination's image must have the same. */
    long sizeBytes();

    /** Reads image bytes (host side, not the guest's view of a request); from the migration thread. */
    void read(long offset, byte[] buffer, int at, int length) throws IOException;

    /**
     * Writes image bytes on a destination that has not run the guest yet; from the migration thread.
     *
     * @throws IOException when the image cannot be written (read-only, I/O error)
     */
    void write(long offset, byte[] buffer, int at, int length) throws IOException;

    /**
     * From now on, tells {@code tracker} of each guest write once its bytes are in the image (after,
     * never before: a copy read between the two is then sent again); {@code null} stops telling.
     */
    void trackWrites(WriteTracker tracker);

    /** Hears the guest's writes to a {@link LiveDisk}, from whichever thread serves them. */
    @FunctionalInterface
    interface WriteTracker {
        void written(long offset, long length);
    }
}
