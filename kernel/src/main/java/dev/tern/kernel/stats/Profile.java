package dev.tern.kernel.stats;

import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * Timing of a repeated operation: how often it ran, the total, shortest and longest duration in
 * nanoseconds. Recording is lock-free; a sample taken during recording may mix old and new parts.
 */
public final class Profile implements Stat {

    private final String path;
    private final String description;
    private final LongAdder count = new LongAdder();
    private final LongAdder total = new LongAdder();
    private final LongAccumulator min = new LongAccumulator(Math::min, Long.MAX_VALUE);
    private final LongAccumulator max = new LongAccumulator(Math::max, Long.MIN_VALUE);

    Profile(String path, String description) {
        this.path = path;
        this.description = description;
    }

    /**
     * Records one interval.
     *
     * @throws IllegalArgumentException for a negative duration
     */
    public void record(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException(path + ": negative duration " + nanos + "ns");
        }
        count.increment();
        total.add(nanos);
        min.accumulate(nanos);
        max.accumulate(nanos);
    }

    /** How many intervals were recorded. */
    public long count() {
        return count.sum();
    }

    /** The sum of all intervals. */
    public long totalNanos() {
        return total.sum();
    }

    /** The shortest interval, 0 if none. */
    public long minNanos() {
        long m = min.get();
        return m == Long.MAX_VALUE ? 0 : m;
    }

    /** The longest interval, 0 if none. */
    public long maxNanos() {
        long m = max.get();
        return m == Long.MIN_VALUE ? 0 : m;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String unit() {
        return "ns";
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public StatSample.Timing sample() {
        return new StatSample.Timing(count(), totalNanos(), minNanos(), maxNanos());
    }

    @Override
    public String toString() {
        return path + "=" + sample();
    }
}
