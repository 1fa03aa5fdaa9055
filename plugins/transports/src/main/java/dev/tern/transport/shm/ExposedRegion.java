package dev.tern.transport.shm;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * A region this end exposed: the peer may write it, and announcements about it are checked
 * against its size.
 *
 * @param id the id the peer writes with
 * @param name the name the peer registers
 * @param file the shared file, deleted when the connection closes
 * @param memory this process's mapping
 */
record ExposedRegion(int id, String name, Path file, MemorySegment memory) {

    long size() {
        return memory.byteSize();
    }

    /** Whether {@code [offset, offset + length)} lies inside, without overflow. */
    boolean contains(long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= size() && length <= size() - offset;
    }
}
