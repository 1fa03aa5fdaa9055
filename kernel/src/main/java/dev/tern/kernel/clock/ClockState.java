package dev.tern.kernel.clock;

import java.util.List;

/**
 * The saved state of a {@link MachineClock}. Guest time itself is not saved: it is recomputed from
 * the restored vCPU's instruction count plus {@code warpNanos}.
 *
 * @param warpNanos time added by warps while vCPUs were halted
 * @param timers the armed timers in firing order, so ties keep their order after a load
 */
public record ClockState(long warpNanos, List<ArmedTimer> timers) {

    public ClockState {
        timers = List.copyOf(timers);
    }

    /**
     * One armed timer.
     *
     * @param name the timer's name, unique on its clock
     * @param deadline virtual nanoseconds when it fires
     */
    public record ArmedTimer(String name, long deadline) { }
}
