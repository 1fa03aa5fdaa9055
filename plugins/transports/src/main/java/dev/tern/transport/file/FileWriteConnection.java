package dev.tern.transport.file;

import dev.tern.spi.transport.Connection;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The writing end of a {@code file:} stream. Writes are gathered in a buffer so that 4 KiB page
 * records do not each cost a system call; {@link #close()} drains the buffer and, when configured,
 * forces the data to the device before reporting success.
 *
 * <p>A regular file (or a path that does not exist yet) is written beside its final name and
 * renamed onto it by {@link #close()}, so the path holds either the previous file or a complete
 * stream, never part of one: {@link #abort()} — a failed or cancelled migration, a full disk — deletes
 * the partial file. A path that is not a regular file (a device such as {@code /dev/null}, a FIFO)
 * is written in place: it cannot be replaced by a rename.
 */
public final class FileWriteConnection implements Connection {

    /** Tells apart the partial files of several writers in one process. */
    private static final AtomicLong PARTIALS = new AtomicLong();

    private final String peer;
    private final FileChannel channel;
    private final ByteBuffer buffer;
    private final boolean fsync;
    /** Where the stream is written until it is complete, or null when written in place. */
    private final Path partial;
    /** Where a complete stream ends up (renamed from {@link #partial}), or null when written in place. */
    private final Path target;
    private boolean closed;

    private FileWriteConnection(String peer, FileChannel channel, int bufferSize, boolean fsync, Path partial,
            Path target) {
        this.peer = peer;
        this.channel = channel;
        this.buffer = ByteBuffer.allocateDirect(bufferSize);
        this.fsync = fsync;
        this.partial = partial;
        this.target = target;
    }

    static FileWriteConnection create(Path path, int bufferSize, boolean fsync) throws IOException {
        String peer = "file:" + path;
        if (Files.exists(path) && !Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(path)) {
            return inPlace(peer, path, bufferSize, fsync);
        }
        Path partial = partialBeside(path);
        try {
            FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return new FileWriteConnection(peer, channel, bufferSize, fsync, partial, path);
        } catch (IOException e) {
            throw new IOException("cannot create file:" + path + " (written first as " + partial.getFileName()
                    + "): " + e, e);
        }
    }

    /** {@code DIR/.NAME.tern-partial-PID-N}: hidden, and unique to this writer. */
    private static Path partialBeside(Path path) {
        Path name = path.getFileName();
        if (name == null) {
            throw new dev.tern.spi.ConfigException("file address '" + path + "' names no file");
        }
        String partialName = "." + name + ".tern-partial-" + ProcessHandle.current().pid() + "-"
                + PARTIALS.incrementAndGet();
        return path.resolveSibling(partialName);
    }

    private static FileWriteConnection inPlace(String peer, Path path, int bufferSize, boolean fsync)
            throws IOException {
        try {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            return new FileWriteConnection(peer, channel, bufferSize, fsync, null, null);
        } catch (IOException e) {
            throw new IOException("cannot open file:" + path + ": " + e, e);
        }
    }

    /**
     * The writing end over a channel opened elsewhere (an inherited descriptor, {@code fd:N}),
     * named {@code peer} in messages; owned from now on. Written in place: {@link #abort()} cannot
     * take back what reached the descriptor.
     */
    public static FileWriteConnection over(String peer, FileChannel channel, int bufferSize, boolean fsync) {
        return new FileWriteConnection(peer, channel, bufferSize, fsync, null, null);
    }

    @Override
    public String peer() {
        return peer;
    }

    @Override
    public boolean isBidirectional() {
        return false;
    }

    /** Always fails: this end only writes. */
    @Override
    public int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        throw new IOException(peer() + " is the writing end of a one-way file stream; it cannot be read");
    }

    @Override
    public synchronized int write(ByteBuffer src) throws IOException {
        ensureOpen();
        int total = src.remaining();
        if (total >= buffer.capacity() && buffer.position() == 0) {
            drain(src);
            return total;
        }
        while (src.hasRemaining()) {
            int n = Math.min(src.remaining(), buffer.remaining());
            buffer.put(buffer.position(), src, src.position(), n);
            buffer.position(buffer.position() + n);
            src.position(src.position() + n);
            if (!buffer.hasRemaining()) {
                flushBuffer();
            }
        }
        return total;
    }

    @Override
    public synchronized boolean isOpen() {
        return !closed;
    }

    /**
     * Writes what is buffered, fsyncs when configured, closes, and puts the complete file in place;
     * idempotent. When any of it fails the partial file is deleted and the path keeps what it held.
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            try (FileChannel c = channel) {
                flushBuffer();
                if (fsync) {
                    c.force(true);
                }
            }
            if (partial != null) {
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                if (fsync) {
                    forceDirectory(target);
                }
            }
        } catch (IOException e) {
            deletePartial(e);
            String why = String.valueOf(e.getMessage());
            throw new IOException(peer() + ": finishing the file failed: "
                    + (why.startsWith(peer() + ": ") ? why.substring(peer().length() + 2) : why), e);
        }
    }

    /** Closes without completing: the partial file is deleted, the path keeps what it held. */
    @Override
    public synchronized void abort() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        try {
            channel.close();
        } catch (IOException e) {
            failure = e;
        }
        if (partial != null) {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw new IOException(peer() + ": discarding the unfinished file failed: " + failure.getMessage(),
                    failure);
        }
    }

    /** The rename is durable only once the directory that holds the name is on the device too. */
    private static void forceDirectory(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    private void deletePartial(IOException cause) {
        if (partial == null) {
            return;
        }
        try {
            Files.deleteIfExists(partial);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    private void flushBuffer() throws IOException {
        buffer.flip();
        drain(buffer);
        buffer.clear();
    }

    private void drain(ByteBuffer src) throws IOException {
        try {
            while (src.hasRemaining()) {
                channel.write(src);
            }
        } catch (IOException e) {
            throw new IOException(peer() + ": write failed: " + e.getMessage(), e);
        }
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }
}
