package dev.tern.transport.exec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;

/**
 * The reading end of {@code exec:COMMAND}: the stream is the command's stdout. Its end is an end
 * of stream only when the command exited with status 0; otherwise reading fails, so that
 * {@code exec:gzip -dc broken.gz} is refused rather than loaded short.
 */
final class ExecReadConnection extends ExecConnection {

    private final InputStream out;
    private volatile boolean closed;
    private boolean ended;

    ExecReadConnection(ShellCommand command, Duration exitTimeout) {
        super(command, exitTimeout);
        this.out = command.process().getInputStream();
    }

    @Override
    public synchronized int read(ByteBuffer dst) throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        if (ended) {
            return -1;
        }
        if (!dst.hasRemaining()) {
            return 0;
        }
        int n = out.read(chunk, 0, Math.min(CHUNK, dst.remaining()));
        if (n < 0) {
            command.awaitSuccess(exitTimeout);
            ended = true;
            return -1;
        }
        dst.put(chunk, 0, n);
        return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        throw new IOException(peer() + " is the reading end: the stream comes from the command's stdout");
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    /** Idempotent; a command whose output was not read to the end is killed. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        command.kill();
        out.close();
    }
}
