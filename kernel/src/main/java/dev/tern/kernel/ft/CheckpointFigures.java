package dev.tern.kernel.ft;

/**
 * A primary's checkpoint counters at one moment, for benchmarks: two of them bracket a window.
 *
 * @param checkpoints checkpoints taken so far (the full sync included)
 * @param bytesSent bytes put on the wire to the current standby, framing included
 * @param recentPauseNanos the vCPU pauses of the last checkpoints taken (at most 1024), oldest first
 */
public record CheckpointFigures(long checkpoints, long bytesSent, long[] recentPauseNanos) {

    public CheckpointFigures {
        recentPauseNanos = recentPauseNanos.clone();
    }

    /** A copy of the pauses. */
    @Override
    public long[] recentPauseNanos() {
        return recentPauseNanos.clone();
    }
}
