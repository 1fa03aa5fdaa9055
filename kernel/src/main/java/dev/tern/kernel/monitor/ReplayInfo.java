package dev.tern.kernel.monitor;

import dev.tern.spi.replay.ReplayFilter;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code info replay} / {@code x-tern-query-replay}: whether the run records or replays, where vCPU
 * 0 is, and (in a paused replay) the next logged input.
 *
 * @param mode live, record or replay
 * @param instructions vCPU 0's retired instructions
 * @param knowsNext whether {@code next} is meaningful (a paused replay)
 * @param next the next logged input not applied yet, empty when the log has no more
 */
public record ReplayInfo(ReplayFilter.Mode mode, long instructions, boolean knowsNext,
        Optional<ReplayFilter.Delivery> next) implements Reply {

    @Override
    public String human() {
        var sb = new StringBuilder();
        sb.append("Replay mode: ").append(mode.name().toLowerCase(Locale.ROOT)).append('\n');
        sb.append("Instruction count: ").append(instructions).append('\n');
        if (knowsNext) {
            next.ifPresentOrElse(
                    d -> sb.append("Next input: ").append(d.event().getClass().getSimpleName()).append(" for '")
                            .append(d.target()).append("' at instruction ").append(d.instructions())
                            .append(" (halt round ").append(d.haltRound()).append(")\n"),
                    () -> sb.append("Next input: none (the log has no more)\n"));
        }
        return sb.toString();
    }

    /** Shaped like QEMU's {@code query-replay} ({@code mode}: none, record or play; {@code icount}), plus the next input. */
    @Override
    public Object qmp() {
        var m = new LinkedHashMap<String, Object>();
        m.put("mode", switch (mode) {
            case RECORD -> "record";
            case REPLAY -> "play";
            default -> "none";
        });
        m.put("icount", instructions);
        if (knowsNext && next.isPresent()) {
            var d = next.get();
            var n = new LinkedHashMap<String, Object>();
            n.put("kind", d.event().getClass().getSimpleName());
            n.put("target", d.target());
            n.put("icount", d.instructions());
            n.put("halt-round", (long) d.haltRound());
            m.put("next-input", n);
        }
        return m;
    }
}
