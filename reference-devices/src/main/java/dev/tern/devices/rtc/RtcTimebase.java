package dev.tern.devices.rtc;

/** Conversion between nanoseconds and ticks of the RTC's 32.768 kHz time base, exact for any time. */
final class RtcTimebase {

    static final long HZ = 32_768L;
    private static final long NS = 1_000_000_000L;

    private RtcTimebase() {
    }

    /** Whole ticks in {@code nanos} (floored, also for negative values). */
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
