package dev.tern.spi.replay;

/** A nondeterministic input to the machine. A closed set: every kind has a fixed log encoding. */
public sealed interface ReplayEvent {

    /** Bytes from a character backend (a key typed on the console). */
    record CharInput(String backend, byte[] data) implements ReplayEvent { }

    /** A frame received by a network backend. */
    record NetFrame(String backend, byte[] frame) implements ReplayEvent { }

    /** Completion of an asynchronous block request. */
    record BlockCompletion(String backend, long requestId, int status) implements ReplayEvent { }

    /** A read of host time that leaked into the guest (e.g. an RTC seeded from the host clock). */
    record HostClock(long epochNanos) implements ReplayEvent { }
}
