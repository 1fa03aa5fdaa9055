package dev.tern.x86.ops;

import java.util.function.LongSupplier;

/**
 * The TSC, derived from the virtual clock so that the same instruction stream reads the same
 * values: {@code nanos * frequency / 1e9 + offset}. Writing the TSC only changes the offset.
 */
public final class TimeStampCounter {

    private final LongSupplier nanos;
    private final long frequencyHz;
    private long offset;

    public TimeStampCounter(LongSupplier nanos, long frequencyHz) {
        if (frequencyHz <= 0) {
            throw new IllegalArgumentException("tsc-frequency must be positive, got " + frequencyHz);
        }
        this.nanos = nanos;
        this.frequencyHz = frequencyHz;
    }

    private long scaled() {
        long ns = nanos.getAsLong();
        // Split to avoid overflow for long uptimes at GHz frequencies.
        long sec = ns / 1_000_000_000L;
        long rem = ns % 1_000_000_000L;
        return sec * frequencyHz + rem * frequencyHz / 1_000_000_000L;
    }

    public long read() {
        return scaled() + offset;
    }

    public void write(long value) {
        offset = value - scaled();
    }

    public long offset() {
        return offset;
    }

    public void setOffset(long offset) {
        this.offset = offset;
    }

    public long frequencyHz() {
        return frequencyHz;
    }
}
