package dev.tern.devices.chardev;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Consumer;

/** An in-memory backend for tests: captures output and lets the test inject input. */
public final class MemoryBackend implements CharBackend {

    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private volatile Consumer<byte[]> receiver;

    @Override
    public synchronized void write(byte[] data, int off, int len) {
        output.write(data, off, len);
        notifyAll();
    }

    @Override
    public void setReceiver(Consumer<byte[]> receiver) {
        this.receiver = Objects.requireNonNull(receiver, "receiver");
    }

    /** Delivers host input to the receiver on the calling thread, as a backend thread would. */
    public void inject(byte[] data) {
        Consumer<byte[]> r = receiver;
        if (r == null) {
            throw new IllegalStateException("no receiver is set on this memory backend");
        }
        r.accept(data.clone());
    }

    /** Delivers a string as UTF-8. */
    public void inject(String text) {
        inject(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Everything written so far. */
    public synchronized byte[] output() {
        return output.toByteArray();
    }

    /** Everything written so far, as UTF-8. */
    public synchronized String outputText() {
        return output.toString(StandardCharsets.UTF_8);
    }

    /**
     * Waits until {@code text} appears in the output at or after byte offset {@code from} of its
     * UTF-8 text, or until {@code timeoutMillis} pass; returns whether it appeared. Woken by every
     * write, so a caller measuring when output arrives sees it at once.
     */
    public synchronized boolean awaitText(String text, int from, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (output.toString(StandardCharsets.UTF_8).indexOf(text, from) < 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000L));
        }
        return true;
    }

    @Override
    public void close() {
        receiver = null;
    }
}
