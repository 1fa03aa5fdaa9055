package dev.tern.spi.io;

/**
 * Handles guest accesses to a range of I/O ports. Values are guest-controlled: validate them.
 * Called on a vCPU thread.
 */
public interface PortIoHandler {

    /**
     * An {@code IN} of {@code size} bytes (1, 2 or 4) at {@code port}.
     *
     * @return the value, in the low {@code size} bytes
     */
    int read(int port, int size);

    /** An {@code OUT} of the low {@code size} bytes (1, 2 or 4) of {@code value} to {@code port}. */
    void write(int port, int size, int value);
}
