package dev.tern.devices.chardev;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Guest output to a file (created or truncated); optionally the contents of an input file as host
 * input. Output with a stream position ({@link #writeAt}) is written at that position when the file
 * already reaches it — a file shared with a fault-tolerance primary, whose output a new primary may
 * deliver again after a failover, gets the same bytes at the same place, not twice — and appended
 * otherwise (a file of its own then starts where this process's output starts).
 */
public final class FileBackend implements CharBackend {

    private final Path outputPath;
    private final Optional<Path> inputPath;
    private final FileChannel out;
    /** Stream position minus file offset, fixed by the first positioned write; -1: none yet. */
    private long shift = -1;
    private long end;
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
            this.out = FileChannel.open(output, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
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
            writeFully(ByteBuffer.wrap(data, off, len), end);
            end += len;
        } catch (IOException e) {
            broken = true;
        }
    }

    @Override
    public synchronized void writeAt(long position, byte[] data) {
        if (broken) {
            return;
        }
        try {
            if (shift < 0) {
                shift = out.size() >= position ? 0 : position - end;
            }
            long at = position - shift;
            writeFully(ByteBuffer.wrap(data), at);
            end = Math.max(end, at + data.length);
        } catch (IOException | IllegalArgumentException e) {
            broken = true;
        }
    }

    private void writeFully(ByteBuffer b, long at) throws IOException {
        long p = at;
        while (b.hasRemaining()) {
            p += out.write(b, p);
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
