package dev.tern.kernel.ram;

import dev.tern.spi.memory.RamRegion;
import dev.tern.spi.transport.RemoteMemoryConnection;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Guest RAM carried one-sided over a {@link RemoteMemoryConnection} (the {@code shm} transport, the
 * RDMA model): the destination exposes one region per writable RAM region, named {@code ram<i>}
 * in region order; the source writes dirty pages straight into them and only announces on the
 * stream, after a flush, which runs of pages it wrote. The destination copies each announced run
 * into its guest RAM as the announcement arrives (during the rounds, so the switch-over copies only
 * the last pages); its guest has never run, and a failed migration leaves the machine FAILED, to
 * be discarded.
 */
public final class RemoteRam {

    /** Pages per one-sided write at most: one transport chunk. */
    public static final int RUN_PAGES = (int) (RemoteMemoryConnection.CHUNK_SIZE / dev.tern.spi.memory.GuestMemory.PAGE_SIZE);

    private final RemoteMemoryConnection connection;
    private final List<Integer> ids;

    private RemoteRam(RemoteMemoryConnection connection, List<Integer> ids) {
        this.connection = connection;
        this.ids = ids;
    }

    /** The exposed name of the {@code index}-th writable region. */
    public static String regionName(int index) {
        return "ram" + index;
    }

    /**
     * The source's side: registers the destination's exposed copy of every writable region (the
     * destination answers while it reads the stream).
     */
    public static RemoteRam register(RemoteMemoryConnection connection, List<RamRegion> writable) throws IOException {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < writable.size(); i++) {
            ids.add(connection.register(regionName(i), writable.get(i).length()));
        }
        return new RemoteRam(connection, List.copyOf(ids));
    }

    /**
     * The destination's side: exposes a zero-filled region per writable RAM region, mapped in
     * {@code arena}, before it reads anything, so the source's registrations find them.
     */
    public static List<MemorySegment> expose(RemoteMemoryConnection connection, List<RamRegion> writable, Arena arena)
            throws IOException {
        List<MemorySegment> regions = new ArrayList<>();
        for (int i = 0; i < writable.size(); i++) {
            regions.add(connection.expose(regionName(i), writable.get(i).length(), arena));
        }
        return List.copyOf(regions);
    }

    /** Writes {@code bytes} (a slice of the source's region {@code index}) at {@code offset} of the peer's copy. */
    public void write(int index, long offset, MemorySegment bytes) throws IOException {
        connection.write(ids.get(index), offset, bytes);
    }

    /** Makes every write so far visible to the destination ahead of the stream bytes that follow. */
    public void flush() throws IOException {
        connection.flush();
    }
}
