package dev.tern.spi.io;

import dev.tern.spi.Registration;

/**
 * The 64 KiB x86 I/O port space. Reads of unclaimed ports return all ones; writes are dropped.
 */
public interface PortIoSpace {

    /**
     * Claims ports {@code [base, base+count)} for {@code handler}.
     *
     * @param owner names the claimant in error messages and {@code info ioports}
     * @throws IllegalStateException naming both owners when the range overlaps another claim
     */
    Registration register(String owner, int base, int count, PortIoHandler handler);

    /** Dispatches an {@code IN}. */
    int read(int port, int size);

    /** Dispatches an {@code OUT}. */
    void write(int port, int size, int value);
}
