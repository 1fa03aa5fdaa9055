package dev.tern.transport.file;

import dev.tern.spi.transport.Connection;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** The reading end of a {@code file:} stream: the file's bytes from the start, then -1. */
public final class FileReadConnection implements Connection {

    private final String peer;
    private final FileChannel channel;

    FileReadConnection(Path path, FileChannel channel) {
        this("file:" + path, channel);
    }

    private FileReadConnection(String peer, FileChannel channel) {
        this.peer = peer;
        this.channel = channel;
    }

    /**
     * The reading end over a channel opened elsewhere (an inherited descriptor, {@code fd:N}),
     * named {@code peer} in messages; owned from now on.
     */
    public static FileReadConnection over(String peer, FileChannel channel) {
        return new FileReadConnection(peer, channel);
    }

    @Override
    public String peer() {
        return peer;
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
