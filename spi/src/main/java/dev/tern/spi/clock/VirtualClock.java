package dev.tern.spi.clock;

/**
 * The machine's virtual clock, in nanoseconds since power-on. It advances with executed
 * instructions (and jumps to the next timer deadline while every vCPU is halted), so the same
 * instruction stream sees the same times. Timer callbacks run on the machine's event thread
 * between instruction slices, never concurrently with a device's I/O handlers.
 */
public interface VirtualClock {

    /** The current virtual time in nanoseconds. */
    long nanos();

    /** Creates a disarmed timer that calls {@code callback} when it fires. */
    Timer newTimer(String name, Runnable callback);
}
