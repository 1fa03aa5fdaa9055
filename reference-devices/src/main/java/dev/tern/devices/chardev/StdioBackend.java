package dev.tern.devices.chardev;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.Consumer;

/**
 * The VMM's standard input and output. Output is unbuffered so a guest's console appears as it is
 * written; putting the terminal in raw mode is the command line's job, not this backend's.
 */
public final class StdioBackend implements CharBackend {

    private final InputStream in;
    private final OutputStream out;
    private InputPump pump;
    private volatile boolean broken;

    /** Uses the process's file descriptors 0 and 1 directly. */
    public StdioBackend() {
        this(new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out));
    }

    /** Uses the given streams (tests). */
    public StdioBackend(InputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
    }

    @Override
    public synchronized void write(byte[] data, int off, int len) {
        if (broken) {
            return;
        }
        try {
            out.write(data, off, len);
            out.flush();
        } catch (IOException e) {
            broken = true;
        }
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
