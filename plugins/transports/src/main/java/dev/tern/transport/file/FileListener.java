package dev.tern.transport.file;

import dev.tern.spi.transport.Listener;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * "Listening" on a file: the single {@link #accept()} opens it for reading. A saved stream is
 * consumed once, like an incoming migration; a second accept fails rather than replay it silently.
 */
public final class FileListener implements Listener {

    private final Path path;
    private boolean accepted;
    private boolean closed;

    FileListener(Path path) {
        this.path = path;
    }

    @Override
    public synchronized FileReadConnection accept() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        if (accepted) {
            throw new IOException(address() + " was already accepted: a file listener reads its file once");
        }
        try {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
            accepted = true;
            return new FileReadConnection(path, channel);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read " + address() + ": no such file", e);
        } catch (IOException e) {
            throw new IOException("cannot read " + address() + ": " + e, e);
        }
    }

    @Override
    public String address() {
        return "file:" + path;
    }

    /** Idempotent; a connection already accepted stays open. */
    @Override
    public synchronized void close() {
        closed = true;
    }
}
