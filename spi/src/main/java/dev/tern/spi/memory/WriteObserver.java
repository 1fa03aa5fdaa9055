package dev.tern.spi.memory;

/** Told of writes to guest memory made outside the CPU fast path. */
@FunctionalInterface
public interface WriteObserver {

    /** {@code [gpa, gpa+len)} was written. Called on the writing thread; must be quick. */
    void written(long gpa, long len);
}
