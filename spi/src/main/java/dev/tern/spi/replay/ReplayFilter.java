package dev.tern.spi.replay;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * Sits between the host and the machine on the kernel's one input path. Every input (a device's
 * backend bytes, a frame, a host-time reading, a clock warp, a host reset request) passes
 * {@link #input} when it arrives; the kernel applies what the filter lets through at the start of
 * an instruction slice and reports that point to {@link #delivered}. A recording filter logs each
 * {@link Delivery}; a replaying filter drops live input and hands the kernel its logged deliveries
 * through {@link #nextRecorded()}, which the kernel applies at exactly the logged point.
 */
public interface ReplayFilter {

    /** The mode of the filter. */
    enum Mode {
        /** Pass input through untouched. */
        OFF,
        /** Deliver and log with the instruction count. */
        RECORD,
        /** Ignore live input; deliver logged input. */
        REPLAY
    }

    /**
     * Where an input was applied: after {@code instructions} retired instructions of vCPU 0 and
     * {@code haltRound} halted slices at that count (a guest idling in HLT takes input without
     * retiring instructions, and timers may fire between two such inputs).
     *
     * @param instructions vCPU 0's retired-instruction count
     * @param haltRound how many slices at this count ended halted before the input was applied
     * @param target the device instance the input is for, or {@code "machine"} for kernel inputs
     * @param event the input
     * @since SPI 1.2
     */
    record Delivery(long instructions, int haltRound, String target, ReplayEvent event) {
        public Delivery {
            if (instructions < 0 || haltRound < 0) {
                throw new IllegalArgumentException("delivery point " + instructions + "/" + haltRound + " is negative");
            }
            java.util.Objects.requireNonNull(target, "target");
            java.util.Objects.requireNonNull(event, "event");
        }
    }

    /** This filter's mode. */
    Mode mode();

    /**
     * Input arrived from the host (any thread). {@code deliver} queues it on the machine's input
     * path; a replaying filter does not call it (live input is ignored in replay).
     */
    void input(ReplayEvent event, Consumer<ReplayEvent> deliver);

    /**
     * The kernel applied an input at {@code delivery} (on the machine's event thread; also for
     * host-time readings, which are applied where the device reads them). A recording filter logs it.
     *
     * @since SPI 1.2
     */
    default void delivered(Delivery delivery) {
    }

    /**
     * In replay: the next logged input, not yet applied; empty when the log has no more. The kernel
     * applies it when vCPU 0 reaches its point and then calls {@link #consumeRecorded()}.
     *
     * @since SPI 1.2
     */
    default Optional<Delivery> nextRecorded() {
        return Optional.empty();
    }

    /**
     * In replay: the input {@link #nextRecorded()} returned has been applied.
     *
     * @since SPI 1.2
     */
    default void consumeRecorded() {
    }
}
