package dev.tern.transport.shm;

import dev.tern.spi.transport.RemoteMemoryConnection;

import java.lang.foreign.MemorySegment;
import java.util.BitSet;

/**
 * A region of the peer this end writes. It remembers which chunks it has put non-zero bytes into:
 * only a chunk never written still holds the initial zeros, so only there may a zero chunk be
 * skipped; elsewhere zeros must really be written or stale data would survive.
 */
final class RemoteRegion {

    private final int id;
    private final String name;
    private final MemorySegment memory;
    private final BitSet touched = new BitSet();

    RemoteRegion(int id, String name, MemorySegment memory) {
        this.id = id;
        this.name = name;
        this.memory = memory;
    }

    int id() {
        return id;
    }

    String name() {
        return name;
    }

    MemorySegment memory() {
        return memory;
    }

    long size() {
        return memory.byteSize();
    }

    /** Whether the chunk holding {@code offset} has never received non-zero bytes. */
    boolean pristine(long offset) {
        return !touched.get(chunk(offset));
    }

    void touch(long offset) {
        touched.set(chunk(offset));
    }

    private static int chunk(long offset) {
        return Math.toIntExact(offset / RemoteMemoryConnection.CHUNK_SIZE);
    }
}
