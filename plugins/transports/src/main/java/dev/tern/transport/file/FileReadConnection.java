package dev.tern.transport.file;

import dev.tern.spi.transport.Connection;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** The reading end of a {@code file:} stream: the file's bytes from the start, then -1. */
public final class FileReadConnection implements Connection {

    private final Path path;
    private final FileChannel channel;

    FileReadConnection(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    @Override
    public String peer() {
        return "file:" + path;
    }

    @Override
    public boolean isBidirectional() {
        return false;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        try {
            return channel.read(dst);
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException(peer() + ": read failed: " + e.getMessage(), e);
        }
    }

    /** Always fails: this end only reads. */
    @Override
    public int write(ByteBuffer src) throws IOException {
        if (!channel.isOpen()) {
            throw new ClosedChannelException();
        }
        throw new IOException(peer() + " is the reading end of a one-way file stream; it cannot be written");
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    /** Idempotent. */
    @Override
    public void close() throws IOException {
        channel.close();
    }
}
