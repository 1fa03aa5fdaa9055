package dev.tern.spi.codec;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/** Encodes pages for the wire. Not thread-safe: one session per stream. */
public interface PageEncoder extends AutoCloseable {

    /**
     * Encodes the page at guest address {@code gpa} (of {@link dev.tern.spi.memory.GuestMemory#PAGE_SIZE}
     * bytes) into {@code out}.
     *
     * @return the number of bytes written; {@code 0} only from a {@linkplain PageCodecProvider#delta() delta}
     *         codec whose receiver already holds the page as it is (nothing needs sending); or {@code -1} when this codec cannot help (a cache miss,
     *         an encoding no smaller than the page): the caller then sends the page another way, and
     *         {@code out}'s position is unchanged
     */
    int encode(long gpa, MemorySegment page, ByteBuffer out);

    /** Counters for {@code info migrate}, e.g. {@code pages}, {@code cache-miss}, {@code overflow}. */
    default java.util.Map<String, Long> stats() {
        return java.util.Map.of();
    }

    @Override
    default void close() {
    }
}
