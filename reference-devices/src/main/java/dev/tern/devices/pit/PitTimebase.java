package dev.tern.devices.pit;

/**
 * Conversion between virtual nanoseconds and ticks of the PIT's 1.193182 MHz input clock, exact
 * and free of overflow for any non-negative time (the multiplication is split at whole seconds).
 */
final class PitTimebase {

    static final long HZ = 1_193_182L;
    private static final long NS = 1_000_000_000L;

    private PitTimebase() {
    }

    /** Whole ticks elapsed at {@code nanos}. */
    static long ticksAt(long nanos) {
        long s = Math.floorDiv(nanos, NS);
        long r = Math.floorMod(nanos, NS);
        return s * HZ + r * HZ / NS;
    }

    /** The first nanosecond at which {@link #ticksAt} reaches {@code ticks}. */
    static long nanosAtTick(long ticks) {
        long s = Math.floorDiv(ticks, HZ);
        long r = Math.floorMod(ticks, HZ);
        return s * NS + Math.ceilDiv(r * NS, HZ);
    }
}
