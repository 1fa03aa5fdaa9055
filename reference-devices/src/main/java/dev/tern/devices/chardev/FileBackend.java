package dev.tern.devices.chardev;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/** Guest output to a file (created or truncated); optionally the contents of an input file as host input. */
public final class FileBackend implements CharBackend {

    private final Path outputPath;
    private final Optional<Path> inputPath;
    private final OutputStream out;
    private InputStream in;
    private InputPump pump;
    private volatile boolean broken;

    /**
     * @throws UncheckedIOException naming the file that cannot be opened
     */
    public FileBackend(Path output, Optional<Path> input) {
        this.outputPath = output;
        this.inputPath = input;
        try {
            this.out = Files.newOutputStream(output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open serial output file " + output + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void write(byte[] data, int off, int len) {
        if (broken) {
            return;
        }
        try {
            out.write(data, off, len);
        } catch (IOException e) {
            broken = true;
        }
    }

    @Override
    public synchronized void setReceiver(Consumer<byte[]> receiver) {
        if (inputPath.isEmpty()) {
            return;
        }
        try {
            in = Files.newInputStream(inputPath.get());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open serial input file " + inputPath.get() + ": " + e.getMessage(), e);
        }
        pump = new InputPump("file-input " + inputPath.get(), in, receiver, () -> { });
        pump.start();
    }

    /** Waits until the whole input file was delivered (tests). */
    public void awaitInputDelivered() throws InterruptedException {
        InputPump p;
        synchronized (this) {
            p = pump;
        }
        if (p != null) {
            p.join();
        }
    }

    /** The output file. */
    public Path outputPath() {
        return outputPath;
    }

    @Override
    public synchronized void close() {
        if (pump != null) {
            pump.stop();
        }
        try {
            out.close();
            if (in != null) {
                in.close();
            }
        } catch (IOException e) {
            broken = true;
        }
    }
}
