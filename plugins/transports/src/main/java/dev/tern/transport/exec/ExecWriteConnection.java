package dev.tern.transport.exec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;

/**
 * The writing end of {@code exec:COMMAND}: the stream goes to the command's stdin. Closing ends
 * its input and waits for it to exit; a non-zero exit status fails the close, so that a migration
 * to {@code exec:gzip -c > /full/disk/vm.gz} reports the failure instead of completing.
 */
final class ExecWriteConnection extends ExecConnection {

    private final OutputStream in;
    private boolean closed;

    ExecWriteConnection(ShellCommand command, Duration exitTimeout) {
        super(command, exitTimeout);
        this.in = command.process().getOutputStream();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        throw new IOException(peer() + " is the writing end: the stream goes to the command's stdin");
    }

    @Override
    public synchronized int write(ByteBuffer src) throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        int total = 0;
        try {
            while (src.hasRemaining()) {
                int n = Math.min(src.remaining(), CHUNK);
                src.get(chunk, 0, n);
                in.write(chunk, 0, n);
                total += n;
            }
        } catch (IOException e) {
            throw new IOException(peer() + " stopped reading its input" + (command.process().isAlive() ? ""
                    : " (exited with status " + command.process().exitValue() + command.stderrSuffix() + ")")
                    + ": " + e.getMessage(), e);
        }
        return total;
    }

    @Override
    public synchronized boolean isOpen() {
        return !closed;
    }

    /** Idempotent; the first close waits for the command and reports its failure. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            in.close();
        } catch (IOException e) {
            // it stopped reading; its exit status says why
        }
        command.awaitSuccess(exitTimeout);
    }
}
