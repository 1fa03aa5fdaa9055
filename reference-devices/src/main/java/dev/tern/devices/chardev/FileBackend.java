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
    /** Why output stopped being written (the file and the OS error); null while it is written. */
    private volatile String broken;

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
        if (broken != null) {
            return;
        }
        try {
            writeFully(ByteBuffer.wrap(data, off, len), end);
            end += len;
        } catch (IOException e) {
            broke(end, e);
        }
    }

    @Override
    public synchronized void writeAt(long position, byte[] data) {
        if (broken != null) {
            return;
        }
        long at = end;
        try {
            if (shift < 0) {
                shift = out.size() >= position ? 0 : position - end;
            }
            at = position - shift;
            writeFully(ByteBuffer.wrap(data), at);
            end = Math.max(end, at + data.length);
        } catch (IOException | IllegalArgumentException e) {
            broke(at, e);
        }
    }

    /** Writes nothing more: a file that lost one write must not go on with a gap in it. */
    private void broke(long at, Exception e) {
        // the JDK's message for EFBIG/ENOSPC is the OS error's text ("File too large", "No space left on device")
        String os = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        broken = "cannot write serial output file " + outputPath + " at byte " + at + ": " + os;
    }

    @Override
    public Optional<String> failure() {
        return Optional.ofNullable(broken);
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
            if (broken == null) {
                broke(end, e);
            }
        }
    }
}
