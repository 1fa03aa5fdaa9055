package dev.tern.kernel.clock;

import dev.tern.spi.state.StateSection;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code "clock"} saved-state section: the warp offset and every armed timer by name. Loading
 * re-arms timers by name in saved order; timers not in the state end disarmed.
 */
public final class ClockSection implements StateSection<ClockState> {

    private final MachineClock clock;

    ClockSection(MachineClock clock) {
        this.clock = clock;
    }

    @Override
    public String name() {
        return "clock";
    }

    @Override
    public Class<ClockState> stateType() {
        return ClockState.class;
    }

    @Override
    public ClockState save() {
        return clock.capture();
    }

    @Override
    public Optional<String> validate(ClockState state) {
        if (state.warpNanos() < 0) {
            return Optional.of("clock state: negative warp " + state.warpNanos() + "ns");
        }
        Set<String> seen = new HashSet<>();
        for (ClockState.ArmedTimer t : state.timers()) {
            if (t.name() == null || !clock.hasTimer(t.name())) {
                return Optional.of("clock state: unknown timer '" + t.name() + "'");
            }
            if (!seen.add(t.name())) {
                return Optional.of("clock state: timer '" + t.name() + "' armed twice");
            }
            if (t.deadline() < 0) {
                return Optional.of("clock state: timer '" + t.name() + "' has negative deadline " + t.deadline());
            }
        }
        return Optional.empty();
    }

    @Override
    public void load(ClockState state) {
        clock.restore(state);
    }
}
