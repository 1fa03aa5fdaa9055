package dev.tern.kernel.replay;

import dev.tern.kernel.machine.MachineSpec;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.replay.ReplayEvent;

import java.util.ArrayDeque;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Replays a log: live input is dropped, logged inputs are handed to the machine at their logged
 * points, host-time readings return logged values, and every logged checkpoint is compared with
 * the live state — the first difference stops the machine with a {@link ReplayDivergence}.
 */
public final class ReplayingJournal implements ReplayJournal {

    private final ReplayLog log;
    private GuestMemory ram;
    /** Inputs applied between slices, in log order. */
    private final ArrayDeque<Delivery> inputs = new ArrayDeque<>();
    /** Host-time readings, applied where a device reads them. */
    private final ArrayDeque<Delivery> clockReadings = new ArrayDeque<>();
    private final ArrayDeque<LogEntry.Checkpoint> checkpoints = new ArrayDeque<>();
    private long applied;
    private long verified;
    /** Where the replay started: 0, or the embedded snapshot it began at ({@link #startAt}). */
    private long startedAt;
    private String endSummary = "";

    /**
     * Replays {@code log} on a machine built from {@code spec}.
     *
     * @throws ReplayLogException when the log was recorded on another machine configuration
     */
    public ReplayingJournal(ReplayLog log, MachineSpec spec) throws ReplayLogException {
        this.log = log;
        String text = ReplayLogHeader.configText(spec);
        String hash = ReplayLogHeader.sha256(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (!hash.equals(log.header().configHash())) {
            throw new ReplayLogException(-1, "the replay log was recorded on another machine configuration (config hash "
                    + log.header().configHash() + ", this machine's is " + hash + "):" + log.header().configDifference(text));
        }
        rewindTo(0);
    }

    @Override
    public void rewindTo(long instructions) {
        // back before where the replay began (its power-on state restored): from there it replays all
        startedAt = Math.min(startedAt, instructions);
        inputs.clear();
        clockReadings.clear();
        checkpoints.clear();
        applied = 0;
        verified = 0;
        for (LogEntry e : log.entries()) {
            boolean ahead = e.instructions() >= instructions;
            if (!ahead && e.instructions() < startedAt) {
                continue; // before the start: not replayed in this run
            }
            switch (e) {
                case LogEntry.Input i when !ahead -> applied++;
                case LogEntry.Input i when i.delivery().event() instanceof ReplayEvent.HostClock -> clockReadings.add(i.delivery());
                case LogEntry.Input i -> inputs.add(i.delivery());
                case LogEntry.Checkpoint c when !ahead -> verified++;
                case LogEntry.Checkpoint c -> checkpoints.add(c);
                case LogEntry.End end -> { }
            }
        }
    }

    @Override
    public void startAt(long instructions) {
        startedAt = instructions;
        rewindTo(instructions);
    }

    @Override
    public void bind(GuestMemory machineRam) {
        this.ram = machineRam;
    }

    @Override
    public Mode mode() {
        return Mode.REPLAY;
    }

    @Override
    public void input(ReplayEvent event, Consumer<ReplayEvent> deliver) {
        // live input has no place in a replay: the log supplies every input
    }

    @Override
    public Optional<Delivery> nextRecorded() {
        return Optional.ofNullable(inputs.peekFirst());
    }

    @Override
    public void consumeRecorded() {
        inputs.pollFirst();
        applied++;
    }

    @Override
    public long checkpointInterval() {
        return log.header().checkpointInterval();
    }

    @Override
    public void checkpoint(long instructions, Supplier<StateFingerprint> state) {
        while (!checkpoints.isEmpty() && checkpoints.peekFirst().instructions() < instructions) {
            var missed = checkpoints.pollFirst();
            throw new ReplayDivergence(instructions, "the log has a checkpoint at instruction " + missed.instructions()
                    + " that the replay passed without stopping there");
        }
        if (checkpoints.isEmpty() || checkpoints.peekFirst().instructions() != instructions) {
            return;
        }
        var recorded = checkpoints.pollFirst();
        var diff = state.get().difference(recorded.state(), ram);
        if (diff.isPresent()) {
            throw new ReplayDivergence(instructions, "checkpoint " + (verified + 1) + " differs: " + diff.get());
        }
        verified++;
    }

    @Override
    public long hostClock(String target, long instructions, int haltRound, long live) {
        Delivery d = clockReadings.pollFirst();
        if (d == null) {
            throw new ReplayDivergence(instructions, "device '" + target + "' reads host time, but the log has no more host-time readings");
        }
        if (!d.target().equals(target) || d.instructions() != instructions) {
            throw new ReplayDivergence(instructions, "device '" + target + "' reads host time, but the log's next reading is for '"
                    + d.target() + "' at instruction " + d.instructions());
        }
        applied++;
        return ((ReplayEvent.HostClock) d.event()).epochNanos();
    }

    @Override
    public OptionalLong recordedEnd() {
        if (log.end().isPresent()) {
            return OptionalLong.of(log.end().get().instructions());
        }
        // a recording cut short (killed) replays up to its last whole block
        return log.entries().isEmpty() ? OptionalLong.empty() : OptionalLong.of(log.entries().getLast().instructions());
    }

    @Override
    public Optional<String> truncation() {
        if (log.end().isPresent()) {
            return Optional.empty();
        }
        return Optional.of("the recording has no end marker" + log.truncation().map(t -> "; " + t).orElse(""));
    }

    @Override
    public void end(long instructions, String reason, StateFingerprint state) {
        endSummary = (startedAt > 0 ? "from the snapshot at instruction " + startedAt + ", " : "") + "replayed " + applied + " inputs, " + verified + " checkpoints matched: final instruction count "
                + instructions + ", state " + state.summary();
        if (log.end().isEmpty()) {
            return;
        }
        var end = log.end().get();
        if (end.instructions() != instructions) {
            throw new ReplayDivergence(instructions, "the recording ended at instruction " + end.instructions()
                    + " (" + end.reason() + "), the replay at " + instructions + " (" + reason + ")");
        }
        var diff = state.difference(end.state(), ram);
        if (diff.isPresent()) {
            throw new ReplayDivergence(instructions, "the final state differs: " + diff.get());
        }
        if (!inputs.isEmpty()) {
            throw new ReplayDivergence(instructions, inputs.size() + " logged inputs were never applied, the first for '"
                    + inputs.peekFirst().target() + "' at instruction " + inputs.peekFirst().instructions());
        }
    }

    @Override
    public String summary() {
        return endSummary;
    }
}
