package dev.tern.spi.replay;

import java.util.Objects;

/**
 * A nondeterministic input to the machine. A closed set: every kind has a fixed log encoding
 * ({@code docs/formats/replay-log.md}), so a recording names exactly what the guest was given.
 *
 * <p>Devices receive the kinds addressed to them through {@code MachineControl.inputs}; the
 * kernel owns {@link ClockWarp}, {@link HostClock} and {@link HostRequest}.
 */
public sealed interface ReplayEvent {

    /** Bytes from a character backend (a key typed on the console, scan codes for a keyboard). */
    record CharInput(String backend, byte[] data) implements ReplayEvent {
        public CharInput {
            Objects.requireNonNull(backend, "backend");
            data = data.clone();
        }
    }

    /** A frame received by a network backend. */
    record NetFrame(String backend, byte[] frame) implements ReplayEvent {
        public NetFrame {
            Objects.requireNonNull(backend, "backend");
            frame = frame.clone();
        }
    }

    /** Completion of an asynchronous block request. */
    record BlockCompletion(String backend, long requestId, int status) implements ReplayEvent { }

    /** A read of host time that leaked into the guest (e.g. an RTC seeded from the host clock). */
    record HostClock(long epochNanos) implements ReplayEvent { }

    /**
     * Virtual time jumped forward to {@code nanos} while every vCPU was halted. Under realtime
     * pacing how far it jumps depends on how long the host waited, so the jump is an input.
     *
     * @since SPI 1.2
     */
    record ClockWarp(long nanos) implements ReplayEvent { }

    /**
     * A reset or power-off asked for by the host (the monitor, a management client), not by the
     * guest: guest requests come from its own instructions and replay by themselves.
     *
     * @param kind what the host asked for
     * @param status exit status of a power-off (0 for a reset)
     * @since SPI 1.2
     */
    record HostRequest(Kind kind, int status) implements ReplayEvent {
        /** What the host asked for. */
        public enum Kind {
            /** A system reset. */
            RESET,
            /** A power-off. */
            POWER_OFF
        }

        public HostRequest {
            Objects.requireNonNull(kind, "kind");
        }
    }
}
