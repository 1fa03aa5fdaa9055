package dev.tern.kernel.ft;

import java.util.EnumMap;
import java.util.Map;

/** What {@code info ft} reports about checkpoints: counts by cause, pauses, bytes, lag. Thread-safe. */
final class CheckpointStats {

    /** Why a checkpoint was taken. */
    enum Cause {
        /** The full sync when a standby joins (checkpoint 0). */
        INITIAL,
        /** The checkpoint interval elapsed. */
        INTERVAL,
        /** Held guest output waited for the output latency (output commit). */
        OUTPUT,
        /** The last one before a planned switch-over ({@code ft_failover}). */
        FAILOVER
    }

    private final Map<Cause, Long> byCause = new EnumMap<>(Cause.class);
    private long last = -1;
    private long lastPauseNanos;
    private long maxPauseNanos;
    private long totalPauseNanos;
    private long lastPages;
    private long lastLagNanos;
    private long lastBytes;
    /** The pauses of the last {@code RECENT} checkpoints, for percentiles. */
    private static final int RECENT = 1024;
    private final long[] recent = new long[RECENT];
    private long taken;
    private long lastRequestNanos;
    private long maxRequestNanos;

    synchronized void taken(Cause cause, long sequence, long pauseNanos, long requestNanos, long pages, long bytes) {
        recent[(int) (taken++ % RECENT)] = pauseNanos;
        lastRequestNanos = requestNanos;
        maxRequestNanos = Math.max(maxRequestNanos, requestNanos);
        byCause.merge(cause, 1L, Long::sum);
        lastPauseNanos = pauseNanos;
        maxPauseNanos = Math.max(maxPauseNanos, pauseNanos);
        totalPauseNanos += pauseNanos;
        lastPages = pages;
        lastBytes = bytes;
    }

    /** The standby applied {@code sequence}, {@code lagNanos} after its pause ended. */
    synchronized void acknowledged(long sequence, long lagNanos) {
        last = sequence;
        lastLagNanos = lagNanos;
    }

    /** The last checkpoint the standby holds, -1 before the full sync completed. */
    synchronized long lastAcknowledged() {
        return last;
    }

    synchronized long lastPauseNanos() {
        return lastPauseNanos;
    }

    synchronized long maxPauseNanos() {
        return maxPauseNanos;
    }

    /** Checkpoints taken, and the pauses of the recent ones, oldest first. */
    synchronized long[] recentPauses() {
        int n = (int) Math.min(taken, RECENT);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = recent[(int) ((taken - n + i) % RECENT)];
        }
        return out;
    }

    synchronized long taken() {
        return taken;
    }

    /** The {@code p}-th percentile (0..100) of the recent checkpoints' pauses, in nanoseconds. */
    synchronized long pausePercentile(double p) {
        int n = (int) Math.min(taken, RECENT);
        if (n == 0) {
            return 0;
        }
        long[] sorted = java.util.Arrays.copyOf(recent, n);
        java.util.Arrays.sort(sorted);
        return sorted[(int) Math.min(n - 1, Math.ceil(p / 100 * n) - 1 < 0 ? 0 : Math.ceil(p / 100 * n) - 1)];
    }

    synchronized String render() {
        long n = byCause.values().stream().mapToLong(Long::longValue).sum();
        return String.format("checkpoints: %d (initial %d, interval %d, output %d, failover %d), last acknowledged %d%n"
                        + "last pause: %.3f ms (%d dirty pages, %d stream bytes), max pause %.3f ms, mean pause %.3f ms%n"
                        + "pause percentiles (last %d): p50 %.3f ms, p99 %.3f ms%n"
                        + "last stop request: %.3f ms from asking to resumed, max %.3f ms%n"
                        + "lag: %.3f ms from the end of the last pause to the standby's acknowledgement%n",
                n, byCause.getOrDefault(Cause.INITIAL, 0L), byCause.getOrDefault(Cause.INTERVAL, 0L),
                byCause.getOrDefault(Cause.OUTPUT, 0L), byCause.getOrDefault(Cause.FAILOVER, 0L), last,
                lastPauseNanos / 1e6, lastPages, lastBytes,
                maxPauseNanos / 1e6, n == 0 ? 0.0 : totalPauseNanos / 1e6 / n, Math.min(taken, RECENT),
                pausePercentile(50) / 1e6, pausePercentile(99) / 1e6, lastRequestNanos / 1e6,
                maxRequestNanos / 1e6, lastLagNanos / 1e6);
    }
}
