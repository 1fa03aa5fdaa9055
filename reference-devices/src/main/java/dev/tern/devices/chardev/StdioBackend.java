package dev.tern.devices.chardev;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The VMM's standard input and output. Output is unbuffered so a guest's console appears as it is
 * written; putting the terminal in raw mode is the command line's job, not this backend's.
 *
 * <p>Standard output has one reader for the whole run (a terminal, a pipe, a redirected file), so a
 * write it fails — the pipe's reader exited (EPIPE), the file's disk is full (ENOSPC), the terminal
 * hung up (EIO) — loses output that reader was owed: the backend writes nothing more and says so
 * ({@link #failure()}), and the machine stops the guest rather than run on with its console gone.
 */
public final class StdioBackend implements CharBackend {

    private final InputStream in;
    private final OutputStream out;
    private final String outputName;
    private InputPump pump;
    /** Why output stopped (the stream, the byte and the OS error); null while it is written. */
    private volatile String broken;
    private long written;

    /** Uses the process's file descriptors 0 and 1 directly. */
    public StdioBackend() {
        this(new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out), "standard output");
    }

    /** Uses the given streams; {@code outputName} names {@code out} in a failure. */
    public StdioBackend(InputStream in, OutputStream out, String outputName) {
        this.in = in;
        this.out = out;
        this.outputName = outputName;
    }

    @Override
    public synchronized void write(byte[] data, int off, int len) {
        if (broken != null) {
            return;
        }
        try {
            out.write(data, off, len);
            out.flush();
            written += len;
        } catch (IOException e) {
            // the JDK's message is the OS error's text ("Broken pipe", "No space left on device")
            String os = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            broken = "cannot write serial output to " + outputName + " after byte " + written + ": " + os;
        }
    }

    @Override
    public Optional<String> failure() {
        return Optional.ofNullable(broken);
    }

    @Override
    public synchronized void setReceiver(Consumer<byte[]> receiver) {
        if (pump != null) {
            throw new IllegalStateException("stdio backend already has a receiver");
        }
        pump = new InputPump("stdio-input", in, receiver, () -> { });
        pump.start();
    }

    @Override
    public synchronized void close() {
        if (pump != null) {
            pump.stop();
        }
    }
}
