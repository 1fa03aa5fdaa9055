package dev.tern.spi.transport;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A connection that can also place bytes straight into memory its peer has exposed, the model of
 * RDMA migration: the destination exposes its guest RAM, the source writes pages into it one-sided
 * (no copy through the stream, no work for the destination per page), and only control messages
 * and the ordinary byte stream (device state) travel over the connection itself.
 *
 * <p>Either end may expose and either may register; in migration the destination
 * {@linkplain #expose exposes} its RAM before it starts reading, and the source
 * {@linkplain #register registers} it, {@linkplain #write writes} pages and {@linkplain #flush flushes}
 * before it sends the stream bytes that refer to them. Control messages from the peer are handled
 * while this end reads the stream or waits in {@link #register}; an end that never reads cannot
 * answer registrations.
 *
 * <p>Memory is written in {@linkplain #CHUNK_SIZE chunks} (a write is split at chunk boundaries).
 * A piece whose new content is entirely zero, written where the exposed region still holds its
 * initial zeros, is not written at all but only announced: an exposed region starts zero-filled
 * and its owner must not modify it while the peer writes it.
 */
public interface RemoteMemoryConnection extends Connection {

    /** The unit of zero detection and of completion accounting: 1 MiB, as in QEMU's RDMA migration. */
    long CHUNK_SIZE = 1L << 20;

    /**
     * Exposes a fresh zero-filled region of {@code size} bytes to the peer under {@code name} and
     * returns it, mapped in this process. The mapping belongs to {@code arena} (typically the guest
     * RAM's lifetime), not to this connection: it stays valid after the connection closes.
     *
     * @param name letters, digits, {@code . _ -}; at most 64 characters; unique per connection
     * @throws IllegalArgumentException for a bad name, a taken name or a size not above zero
     */
    MemorySegment expose(String name, long size, Arena arena) throws IOException;

    /**
     * Registers the peer's exposed region {@code name}, which must be exactly {@code size} bytes,
     * and returns its id for {@link #write}. Waits until the peer answers; registering a name
     * again returns the same id.
     *
     * @throws IOException when the peer has no such region, its size differs, or it answers with
     *     something that is not a valid region
     */
    int register(String name, long size) throws IOException;

    /**
     * Writes {@code src} into the registered region at {@code offset}, one-sided. The peer learns
     * of it at the next {@link #flush()}.
     *
     * @throws IndexOutOfBoundsException when the bytes do not lie within the region
     * @throws IllegalArgumentException for an id {@link #register} did not return
     */
    void write(int regionId, long offset, MemorySegment src) throws IOException;

    /**
     * Makes every preceding {@link #write} visible to the peer and tells it so (chunks done, zero
     * chunks announced) ahead of any stream byte written after this call.
     */
    void flush() throws IOException;
}
