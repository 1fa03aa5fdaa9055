package dev.tern.spi.codec;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/** Decodes pages from the wire. Input is hostile: never write outside {@code page}. */
public interface PageDecoder extends AutoCloseable {

    /**
     * Decodes {@code in} (from position to limit) into {@code page}, the current content of the page
     * at {@code gpa}.
     *
     * @throws CodecException naming the page and the problem when the input is malformed
     */
    void decode(long gpa, ByteBuffer in, MemorySegment page) throws CodecException;

    @Override
    default void close() {
    }
}
