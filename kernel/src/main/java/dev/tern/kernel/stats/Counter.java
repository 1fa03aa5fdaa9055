package dev.tern.kernel.stats;

import java.util.concurrent.atomic.LongAdder;

/** A monotonically growing count, cheap to bump from many threads at once. */
public final class Counter implements Stat {

    private final String path;
    private final String unit;
    private final String description;
    private final LongAdder adder = new LongAdder();

    Counter(String path, String unit, String description) {
        this.path = path;
        this.unit = unit;
        this.description = description;
    }

    /** Adds {@code n} (which may be any value; counters of bytes add sizes). */
    public void add(long n) {
        adder.add(n);
    }

    /** Adds one. */
    public void increment() {
        adder.increment();
    }

    /** The current sum; concurrent additions may or may not be included. */
    public long get() {
        return adder.sum();
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String unit() {
        return unit;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public StatSample sample() {
        return new StatSample.Value(get(), unit);
    }

    @Override
    public String toString() {
        return path + "=" + get();
    }
}
