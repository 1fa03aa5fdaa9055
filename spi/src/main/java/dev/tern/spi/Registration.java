package dev.tern.spi;

/** Something registered with the kernel (an I/O range, a timer, an observer); closing removes it. */
@FunctionalInterface
public interface Registration extends AutoCloseable {

    /** Removes the registration. Idempotent. */
    @Override
    void close();
}
