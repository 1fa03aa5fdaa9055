package dev.tern.kernel.replay;

import dev.tern.spi.replay.ReplayEvent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.LongSupplier;

/**
 * Writes a replay log incrementally. Entries collect in a block that goes to the file as one
 * framed, CRC-protected write when it grows past {@link #BLOCK_TARGET}, at every checkpoint, when
 * the guest idles with anything but clock warps pending or {@link #IDLE_FLUSH_NANOS} after the
 * block's first entry, and at the end — so a recording killed with -9 leaves every block written so
 * far intact (the OS holds them even though the process died), and a reader stops cleanly at the
 * last whole block. Only {@link #close} forces the file to stable storage: surviving a host crash
 * is not a goal, surviving the process is.
 */
public final class ReplayLogWriter implements AutoCloseable {

    /** A block is written once its entries pass this many bytes. */
    static final int BLOCK_TARGET = 64 << 10;
    /**
     * An idle guest's block of clock warps alone is written once its first entry is this old (host
     * time): a guest idling at its timer's rate would otherwise pay a block frame per tick, and a
     * killed recording loses at most this much idle time — no input the guest was given.
     */
    static final long IDLE_FLUSH_NANOS = 1_000_000_000L;

    private final FileChannel file;
    private final Path path;
    private final int formatVersion;
    private final LongSupplier hostNanos;
    private ReplayLogCodec.Out pending;
    private int pendingEntries;
    /** Whether the pending block holds an entry other than a clock warp. */
    private boolean pendingMoreThanWarps;
    /** {@link #hostNanos} when the pending block's first entry came. */
    private long pendingSince;
    /** The last snapshot's size: the next one's buffer starts a little larger, so it is not regrown. */
    private int lastSnapshotBytes;
    private long blocks;
    private boolean closed;

    /** Creates (or replaces) {@code path} and writes the magic, version and {@code header} block. */
    public ReplayLogWriter(Path path, ReplayLogHeader header) throws IOException {
        this(path, header, System::nanoTime);
    }

    /** As above, reading host time from {@code hostNanos} (for {@link #idle}). */
    public ReplayLogWriter(Path path, ReplayLogHeader header, LongSupplier hostNanos) throws IOException {
        this.path = path;
        this.hostNanos = hostNanos;
        this.formatVersion = header.formatVersion();
        this.pending = new ReplayLogCodec.Out(formatVersion);
        this.file = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        ByteBuffer prefix = ByteBuffer.allocate(ReplayLogCodec.MAGIC.length + 2);
        prefix.put(ReplayLogCodec.MAGIC).putShort((short) formatVersion).flip();
        writeFully(prefix);
        var out = new ReplayLogCodec.Out();
        ReplayLogCodec.writeHeader(out, header);
        writeBlock(ReplayLogCodec.BLOCK_HEADER, out.bytes.toByteArray());
    }

    /** A byte sink whose buffer is written as it is: a snapshot is tens of MiB, copying it again costs. */
    private static final class Sink extends java.io.ByteArrayOutputStream {
        Sink(int size) {
            super(size);
        }

        byte[] buffer() {
            return buf;
        }
    }

    /**
     * Embeds the machine's state at {@code instructions}: the entries pending go to the file first
     * (they belong before it), then one snapshot block — written whole, so a recording killed
     * meanwhile leaves an incomplete last block that a reader drops.
     */
    public synchronized void snapshot(long instructions, StateWriter state) throws IOException {
        requireOpen();
        if (formatVersion < ReplayLogCodec.FIRST_WITH_SNAPSHOTS) {
            throw new IllegalStateException("a version " + formatVersion + " replay log cannot hold snapshots");
        }
        flush();
        var out = new ReplayLogCodec.Out();
        out.varint(instructions);
        var sink = new Sink(Math.max(1 << 20, lastSnapshotBytes + lastSnapshotBytes / 8));
        out.bytes.writeTo(sink);
        state.writeTo(sink);
        if (sink.size() > ReplayLogCodec.MAX_SNAPSHOT_BLOCK) {
            throw new IOException("the snapshot at instruction " + instructions + " is " + sink.size()
                    + " bytes, more than a replay log block holds");
        }
        lastSnapshotBytes = sink.size();
        writeBlock(ReplayLogCodec.BLOCK_SNAPSHOT, sink.buffer(), sink.size());
    }

    /** The file being written. */
    public Path path() {
        return path;
    }

    /** Adds an entry to the current block; writes the block when it is full. */
    public synchronized void append(LogEntry entry) throws IOException {
        requireOpen();
        if (pendingEntries == 0) {
            pendingSince = hostNanos.getAsLong();
        }
        ReplayLogCodec.writeEntry(pending, entry);
        pendingEntries++;
        pendingMoreThanWarps |= !(entry instanceof LogEntry.Input i && i.delivery().event() instanceof ReplayEvent.ClockWarp);
        if (pending.size() >= BLOCK_TARGET) {
            flush();
        }
    }

    /**
     * The guest idles: writes the current block if it holds anything but clock warps, or if its
     * first entry is {@link #IDLE_FLUSH_NANOS} old.
     */
    public synchronized void idle() throws IOException {
        requireOpen();
        if (pendingEntries > 0 && (pendingMoreThanWarps || hostNanos.getAsLong() - pendingSince >= IDLE_FLUSH_NANOS)) {
            flush();
        }
    }

    /** Writes the current block, if it holds any entry. */
    public synchronized void flush() throws IOException {
        requireOpen();
        if (pendingEntries == 0) {
            return;
        }
        byte[] payload = pending.bytes.toByteArray();
        pending = new ReplayLogCodec.Out(formatVersion).carryFrom(pending);
        pendingEntries = 0;
        pendingMoreThanWarps = false;
        writeBlock(ReplayLogCodec.BLOCK_ENTRIES, payload);
    }

    /** Bytes in the file so far. */
    public synchronized long size() throws IOException {
        return file.size();
    }

    /** Blocks written so far, the header included. */
    public synchronized long blocks() {
        return blocks;
    }

    private void writeBlock(int tag, byte[] payload) throws IOException {
        writeBlock(tag, payload, payload.length);
    }

    private void writeBlock(int tag, byte[] payload, int length) throws IOException {
        writeFully(ByteBuffer.wrap(ReplayLogCodec.frame(formatVersion, tag, payload, length)));
        writeFully(ByteBuffer.wrap(payload, 0, length));
        blocks++;
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            file.write(b);
        }
    }

    private void requireOpen() throws IOException {
        if (closed) {
            throw new IOException("replay log " + path + " is closed");
        }
    }

    /** Writes what is pending, forces the file to disk and closes it. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            flush();
            file.force(true);
        } finally {
            closed = true;
            file.close();
        }
    }
}
