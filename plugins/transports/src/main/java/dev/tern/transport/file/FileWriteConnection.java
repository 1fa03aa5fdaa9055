package dev.tern.transport.file;

import dev.tern.spi.transport.Connection;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The writing end of a {@code file:} stream. Writes are gathered in a buffer so that 4 KiB page
 * records do not each cost a system call; {@link #close()} drains the buffer and, when configured,
 * forces the data to the device before reporting success.
 */
public final class FileWriteConnection implements Connection {

    private final String peer;
    private final FileChannel channel;
    private final ByteBuffer buffer;
    private final boolean fsync;
    private boolean closed;

    private FileWriteConnection(String peer, FileChannel channel, int bufferSize, boolean fsync) {
        this.peer = peer;
        this.channel = channel;
        this.buffer = ByteBuffer.allocateDirect(bufferSize);
        this.fsync = fsync;
    }

    static FileWriteConnection create(Path path, int bufferSize, boolean fsync) throws IOException {
        try {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            return new FileWriteConnection("file:" + path, channel, bufferSize, fsync);
        } catch (IOException e) {
            throw new IOException("cannot create file:" + path + ": " + e, e);
        }
    }

    /**
     * The writing end over a channel opened elsewhere (an inherited descriptor, {@code fd:N}),
     * named {@code peer} in messages; owned from now on.
     */
    public static FileWriteConnection over(String peer, FileChannel channel, int bufferSize, boolean fsync) {
        return new FileWriteConnection(peer, channel, bufferSize, fsync);
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

    /** Writes what is buffered, fsyncs when configured, and closes; idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (FileChannel c = channel) {
            flushBuffer();
            if (fsync) {
                c.force(true);
            }
        } catch (IOException e) {
            throw new IOException(peer() + ": finishing the file failed: " + e.getMessage(), e);
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
