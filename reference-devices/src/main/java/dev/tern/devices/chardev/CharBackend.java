package dev.tern.devices.chardev;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * The host side of a character device (a serial port's far end): bytes the guest sends are written
 * here; bytes the host sends arrive at the receiver, on a backend thread. A device must move
 * received bytes into its state only through {@link dev.tern.spi.device.MachineControl#inputs}.
 */
public interface CharBackend extends AutoCloseable {

    /**
     * Sends {@code len} bytes of guest output. Never throws for host-side I/O failure; it drops
     * instead, and a backend whose output is meant to be kept (a file) says so by {@link #failure()}.
     */
    void write(byte[] data, int off, int len);

    /**
     * Sends guest output that is at {@code position} of the device's output stream (bytes the
     * device sent before it, counted across fault-tolerance failovers). A backend that can write at
     * a position writes there, so an output delivered twice after a failover is written once; the
     * default sends it like {@link #write(byte[], int, int)}.
     */
    default void writeAt(long position, byte[] data) {
        write(data, 0, data.length);
    }

    /**
     * Why this backend stopped taking output (its host resource failed), naming the resource and
     * the operating system's error; empty while it takes it. Once present, the write that failed
     * and every later one were not taken. The default: a backend that never says so.
     */
    default Optional<String> failure() {
        return Optional.empty();
    }

    /** Sends one byte. */
    default void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    /**
     * Sets where host input goes and starts delivering it. Called once; the receiver is called on a
     * backend thread (or the injecting thread, for {@link MemoryBackend}) with a fresh array each time.
     */
    void setReceiver(Consumer<byte[]> receiver);

    /** Stops input and releases host resources. Idempotent. */
    @Override
    void close();
}
