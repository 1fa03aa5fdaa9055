package dev.tern.spi.replay;

import java.util.function.Consumer;

/**
 * Sits between a device backend and the machine. Backends pass every input here instead of
 * delivering it; the filter delivers it at a deterministic point (recording the instruction count),
 * or in replay drops live input and delivers the recorded one at its instruction count.
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

    /** This filter's mode. */
    Mode mode();

    /**
     * Input arrived from a backend (any thread). {@code deliver} applies it to device state and is
     * called on the machine's event path.
     */
    void input(ReplayEvent event, Consumer<ReplayEvent> deliver);
}
