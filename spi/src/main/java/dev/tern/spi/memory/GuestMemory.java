package dev.tern.spi.memory;

import dev.tern.spi.Registration;

import java.util.List;

/**
 * Guest physical RAM (and ROM). Accesses outside every region read as all-ones and writes are
 * dropped, as on a PC bus with nothing decoding the address; MMIO is a separate space
 * ({@link dev.tern.spi.io.MmioSpace}).
 *
 * <p>Every write through this interface marks the written pages dirty in the kernel's dirty log and
 * notifies {@linkplain #observeWrites write observers}, so devices doing DMA need nothing more.
 * All methods are thread-safe.
 */
public interface GuestMemory {

    /** log2 of {@link #PAGE_SIZE}. */
    int PAGE_SHIFT = 12;
    /** The page size of dirty tracking, migration and saved state. */
    int PAGE_SIZE = 1 << PAGE_SHIFT;

    /** The RAM and ROM regions, ordered by base address, not overlapping. */
    List<RamRegion> regions();

    /** Copies {@code len} bytes at {@code gpa} into {@code dst[off..]}. */
    void read(long gpa, byte[] dst, int off, int len);

    /** Copies {@code src[off..off+len)} to {@code gpa}, marks the pages dirty and tells observers. */
    void write(long gpa, byte[] src, int off, int len);

    /**
     * Records that guest code wrote {@code [gpa, gpa+len)} through a {@link RamRegion} segment
     * directly. Called by CPUs on the first write to a page after its dirty bit was cleared.
     */
    void markDirty(long gpa, long len);

    /**
     * Returns once the pages of {@code [gpa, gpa+len)} hold their content. A post-copy migration's
     * destination runs the guest before all of its RAM has arrived: a CPU calls this before it
     * caches a page for direct access (its TLB fill), and it blocks until the page is fetched. The
     * accessors of this interface call it themselves. By default every page is present.
     *
     * @since SPI 1.6
     */
    default void awaitPresent(long gpa, long len) {
    }

    /**
     * Registers an observer told of every write that does not come from the CPU fast path (device
     * DMA, loads of saved state) — CPUs use it to drop decoded code that was overwritten.
     */
    default Registration observeWrites(WriteObserver observer) {
        throw new UnsupportedOperationException("this memory does not report writes");
    }

    /** One past the highest RAM address. */
    default long ramEnd() {
        List<RamRegion> r = regions();
        return r.isEmpty() ? 0 : r.getLast().end();
    }

    /** The region containing {@code gpa}, or null. */
    default RamRegion regionAt(long gpa) {
        for (RamRegion r : regions()) {
            if (r.contains(gpa)) {
                return r;
            }
        }
        return null;
    }

    /** Reads an unsigned byte. */
    default int readU8(long gpa) {
        byte[] b = new byte[1];
        read(gpa, b, 0, 1);
        return b[0] & 0xff;
    }

    /** Reads a little-endian 16-bit value. */
    default int readU16(long gpa) {
        byte[] b = new byte[2];
        read(gpa, b, 0, 2);
        return (b[0] & 0xff) | (b[1] & 0xff) << 8;
    }

    /** Reads a little-endian 32-bit value. */
    default int readU32(long gpa) {
        byte[] b = new byte[4];
        read(gpa, b, 0, 4);
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    /** Reads a little-endian 64-bit value. */
    default long readU64(long gpa) {
        return (readU32(gpa) & 0xffffffffL) | (long) readU32(gpa + 4) << 32;
    }

    /** Writes a byte. */
    default void writeU8(long gpa, int v) {
        write(gpa, new byte[] {(byte) v}, 0, 1);
    }

    /** Writes a little-endian 16-bit value. */
    default void writeU16(long gpa, int v) {
        write(gpa, new byte[] {(byte) v, (byte) (v >> 8)}, 0, 2);
    }

    /** Writes a little-endian 32-bit value. */
    default void writeU32(long gpa, int v) {
        write(gpa, new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)}, 0, 4);
    }

    /** Writes a little-endian 64-bit value. */
    default void writeU64(long gpa, long v) {
        writeU32(gpa, (int) v);
        writeU32(gpa + 4, (int) (v >>> 32));
    }
}
