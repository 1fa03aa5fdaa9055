package dev.tern.kernel.stats;

/** A point-in-time reading of a {@link Stat}. */
public sealed interface StatSample {

    /**
     * The reading of a counter or gauge.
     *
     * @param value the value
     * @param unit its unit
     */
    record Value(long value, String unit) implements StatSample { }

    /**
     * The reading of a profile. {@code min} and {@code max} are 0 while {@code count} is 0.
     *
     * @param count how many intervals were recorded
     * @param totalNanos their sum
     * @param minNanos the shortest
     * @param maxNanos the longest
     */
    record Timing(long count, long totalNanos, long minNanos, long maxNanos) implements StatSample {

        /** Mean interval, 0 when nothing was recorded. */
        public long averageNanos() {
            return count == 0 ? 0 : totalNanos / count;
        }
    }
}
