package dev.tern.devices.time;

/**
 * A device's input clock: conversion between virtual nanoseconds and whole ticks of a crystal of
 * {@code hz}, exact and free of overflow for any time (the multiplication is split at whole
 * seconds), floored for negative values too.
 *
 * @param hz ticks per second
 */
public record Timebase(long hz) {

    /** The i8254's 1.193182 MHz input. */
    public static final Timebase PIT = new Timebase(1_193_182L);
    /** The MC146818's 32.768 kHz time base. */
    public static final Timebase RTC = new Timebase(32_768L);

    private static final long NS = 1_000_000_000L;

    public Timebase {
        if (hz <= 0 || hz > NS) {
            throw new IllegalArgumentException("timebase of " + hz + " Hz is out of range 1.." + NS);
        }
    }

    /** Whole ticks elapsed at {@code nanos}. */
    public long ticksAt(long nanos) {
        long s = Math.floorDiv(nanos, NS);
        long r = Math.floorMod(nanos, NS);
        return s * hz + r * hz / NS;
    }

    /** The first nanosecond at which {@link #ticksAt} reaches {@code ticks}. */
    public long nanosAtTick(long ticks) {
        long s = Math.floorDiv(ticks, hz);
        long r = Math.floorMod(ticks, hz);
        return s * NS + Math.ceilDiv(r * NS, hz);
    }
}
