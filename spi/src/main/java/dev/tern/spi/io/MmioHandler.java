package dev.tern.spi.io;

/**
 * Handles guest accesses to a memory-mapped I/O range. Offsets are relative to the mapping's base.
 * Values are guest-controlled: validate them. Called on a vCPU thread.
 */
public interface MmioHandler {

    /** A read of {@code size} bytes (1, 2, 4 or 8) at {@code offset}. */
    long read(long offset, int size);

    /** A write of the low {@code size} bytes (1, 2, 4 or 8) of {@code value} at {@code offset}. */
    void write(long offset, int size, long value);
}
