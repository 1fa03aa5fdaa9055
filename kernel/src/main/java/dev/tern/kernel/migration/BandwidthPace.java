package dev.tern.kernel.migration;

import java.util.function.LongSupplier;

/**
 * Holds a sender to a byte rate: after each write it waits as long as the bytes sent since the
 * pace was made are ahead of the rate, so the average from the start never exceeds it (short bursts inside
 * a write do; the wait follows). Used by the fault-tolerance full sync's pre-copy rounds, whose
 * writes are one part each; a migration's rounds pace through {@link #aheadNanos} directly.
 */
public final class BandwidthPace {

    /** Waits the given nanoseconds (interruptibly). */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long nanos) throws InterruptedException;
    }

    private final long bytesPerSecond;
    private final LongSupplier clock;
    private final Sleeper sleeper;
    private final long start;
    private long sent;

    /**
     * @param bytesPerSecond the rate; 0 for none (never waits)
     * @param clock nanoseconds ({@code System::nanoTime})
     */
    public BandwidthPace(long bytesPerSecond, LongSupplier clock, Sleeper sleeper) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("a bandwidth is >= 0 bytes per second, was " + bytesPerSecond);
        }
        this.bytesPerSecond = bytesPerSecond;
        this.clock = clock;
        this.sleeper = sleeper;
        this.start = clock.getAsLong();
    }

    /** A pace on the system clock that sleeps the calling thread. */
    public static BandwidthPace of(long bytesPerSecond) {
        return new BandwidthPace(bytesPerSecond, System::nanoTime,
                nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000)));
    }

    /** Counts {@code bytes} as sent now and waits until the rate allows the next write. */
    public void sent(long bytes) throws InterruptedException {
        if (bytesPerSecond == 0) {
            return;
        }
        sent += bytes;
        long ahead = aheadNanos(sent, clock.getAsLong() - start, bytesPerSecond);
        if (ahead > 0) {
            sleeper.sleep(ahead);
        }
    }

    /** How far {@code bytes} sent in {@code elapsedNanos} are ahead of {@code bytesPerSecond} (0 or less: not ahead). */
    public static long aheadNanos(long bytes, long elapsedNanos, long bytesPerSecond) {
        return (long) (bytes * 1e9 / bytesPerSecond) - elapsedNanos;
    }
}
