package dev.tern.transport.exec;

import dev.tern.spi.ConfigException;
import dev.tern.transport.channel.IdleTimeout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code sh -c COMMAND} process whose stdin or stdout carries a migration stream. Its stderr
 * is drained continuously (a full stderr pipe would stall the command) and its last
 * {@value #STDERR_TAIL} bytes are kept for the message should it fail: a command that exits with a
 * non-zero status fails the stream, as a truncated or corrupt file would.
 */
final class ShellCommand {

    /** Longest command accepted. */
    static final int MAX_COMMAND = 4096;
    /** Bytes of stderr quoted in a failure. */
    static final int STDERR_TAIL = 2048;

    private final String command;
    private final Process process;
    private final byte[] tail = new byte[STDERR_TAIL];
    private long stderrBytes;
    private final Thread drain;

    private ShellCommand(String command, Process process) {
        this.command = command;
        this.process = process;
        this.drain = Thread.ofVirtual().name("exec-stderr").start(this::drainStderr);
    }

    /** Validates a command as written after {@code exec:}. */
    static String parse(String text) {
        if (text == null || text.isBlank()) {
            throw new ConfigException("exec command '" + text + "' is invalid: it is empty; expected exec:COMMAND");
        }
        if (text.indexOf('\0') >= 0) {
            throw new ConfigException("exec command '" + text + "' is invalid: it contains a NUL character");
        }
        if (text.length() > MAX_COMMAND) {
            throw new ConfigException("exec command '" + text.substring(0, 64) + "...' is invalid: longer than "
                    + MAX_COMMAND + " characters");
        }
        return text;
    }

    /** Starts {@code sh -c command}; the unused one of stdin and stdout is connected to nothing. */
    static ShellCommand start(String command, boolean writesToIt) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(List.of("/bin/sh", "-c", command));
        if (writesToIt) {
            builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        } else {
            builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        try {
            return new ShellCommand(command, builder.start());
        } catch (IOException e) {
            throw new IOException("cannot start exec:" + command + ": " + e.getMessage(), e);
        }
    }

    String uri() {
        return "exec:" + command;
    }

    Process process() {
        return process;
    }

    /**
     * Waits up to {@code limit} for the command to exit and fails unless it exited with status 0; a
     * command still running then is killed.
     */
    void awaitSuccess(Duration limit) throws IOException {
        try {
            boolean exited = true;
            if (limit.isZero()) {
                process.waitFor();
            } else {
                exited = process.waitFor(limit.toNanos(), TimeUnit.NANOSECONDS);
            }
            if (!exited) {
                process.destroyForcibly();
                throw new IOException(uri() + " did not exit within " + IdleTimeout.format(limit) + " of the end of its stream; killed");
            }
            drain.join(limit.isZero() ? 0 : Math.max(1, limit.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new java.io.InterruptedIOException("interrupted waiting for " + uri());
        }
        int status = process.exitValue();
        if (status != 0) {
            throw new IOException(uri() + " failed with exit status " + status + stderrSuffix());
        }
    }

    /** Kills the command if it still runs (a stream abandoned before its end). */
    void kill() {
        process.destroyForcibly();
    }

    /** {@code ": <stderr tail>"} or nothing. */
    synchronized String stderrSuffix() {
        if (stderrBytes == 0) {
            return "";
        }
        int n = (int) Math.min(stderrBytes, STDERR_TAIL);
        byte[] last = new byte[n];
        int start = (int) ((stderrBytes - n) % STDERR_TAIL);
        for (int i = 0; i < n; i++) {
            last[i] = tail[(start + i) % STDERR_TAIL];
        }
        return ": " + new String(last, StandardCharsets.UTF_8).strip();
    }

    private void drainStderr() {
        byte[] buffer = new byte[4096];
        try (InputStream err = process.getErrorStream()) {
            int n;
            while ((n = err.read(buffer)) > 0) {
                synchronized (this) {
                    for (int i = 0; i < n; i++) {
                        tail[(int) (stderrBytes++ % STDERR_TAIL)] = buffer[i];
                    }
                }
            }
        } catch (IOException e) {
            // the process is gone; what was read is kept
        }
    }
}
