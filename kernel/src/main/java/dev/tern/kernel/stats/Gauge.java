package dev.tern.kernel.stats;

import java.util.function.LongSupplier;

/** A value read on demand from its owner (queue depth, RAM size, pages pending). */
public final class Gauge implements Stat {

    private final String path;
    private final String unit;
    private final String description;
    private final LongSupplier supplier;

    Gauge(String path, String unit, String description, LongSupplier supplier) {
        this.path = path;
        this.unit = unit;
        this.description = description;
        this.supplier = supplier;
    }

    /** Reads the value now. */
    public long get() {
        return supplier.getAsLong();
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
