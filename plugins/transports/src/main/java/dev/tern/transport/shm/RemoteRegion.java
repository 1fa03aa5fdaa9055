package dev.tern.transport.shm;

import java.lang.foreign.MemorySegment;
import java.util.BitSet;

/**
 * A region of the peer this end writes. It remembers which 4 KiB pages it has put non-zero bytes
 * into: only a page never written still holds the initial zeros, so only there may zeros be
 * skipped; elsewhere zeros must really be written or stale data would survive. Pages, not 1 MiB
 * chunks, are tracked so that the zero pages between data pages of a first pass are skipped too.
 */
final class RemoteRegion {

    static final int PAGE = 4096;

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

    /** Whether no page overlapping {@code [offset, offset + length)} has received non-zero bytes. */
    boolean pristine(long offset, long length) {
        int first = page(offset);
        int next = touched.nextSetBit(first);
        return next < 0 || next > page(offset + length - 1);
    }

    /** Records that {@code [offset, offset + length)} may now hold non-zero bytes. */
    void touch(long offset, long length) {
        touched.set(page(offset), page(offset + length - 1) + 1);
    }

    private static int page(long offset) {
        return Math.toIntExact(offset / PAGE);
    }
}
