package dev.tern.kernel.replay;

import dev.tern.spi.replay.ReplayEvent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Records a run: inputs pass through to the machine, and each one is logged with the point where
 * the machine applied it, together with periodic state checkpoints and the end marker.
 */
public final class RecordingJournal implements ReplayJournal {

    private final ReplayLogWriter log;
    private final long interval;
    private final long snapshotInterval;
    private long inputs;
    private long checkpoints;
    private long snapshots;
    private boolean ended;
    private String endSummary = "";

    /** Records into {@code log}, checkpointing every {@code interval} instructions (0: never). */
    public RecordingJournal(ReplayLogWriter log, long interval) {
        this(log, interval, 0);
    }

    /**
     * Records into {@code log}, checkpointing every {@code interval} instructions and embedding a
     * machine snapshot every {@code snapshotInterval} (0: never).
     */
    public RecordingJournal(ReplayLogWriter log, long interval, long snapshotInterval) {
        this.log = log;
        if (interval < 0 || snapshotInterval < 0) {
            throw new IllegalArgumentException("checkpoint interval " + interval + " or snapshot interval " + snapshotInterval
                    + " is negative");
        }
        this.interval = interval;
        this.snapshotInterval = snapshotInterval;
    }

    @Override
    public Mode mode() {
        return Mode.RECORD;
    }

    @Override
    public void input(ReplayEvent event, Consumer<ReplayEvent> deliver) {
        deliver.accept(event);
    }

    @Override
    public void delivered(Delivery delivery) {
        append(new LogEntry.Input(delivery));
        inputs++;
    }

    @Override
    public long checkpointInterval() {
        return interval;
    }

    @Override
    public void checkpoint(long instructions, Supplier<StateFingerprint> state) throws IOException {
        log.append(new LogEntry.Checkpoint(instructions, state.get()));
        // a checkpoint closes a block: a killed recording then replays at least to here
        log.flush();
        checkpoints++;
    }

    @Override
    public long snapshotInterval() {
        return snapshotInterval;
    }

    @Override
    public void snapshot(long instructions, StateWriter state) throws IOException {
        log.snapshot(instructions, state);
        snapshots++;
    }

    @Override
    public long hostClock(String target, long instructions, int haltRound, long live) {
        delivered(new Delivery(instructions, haltRound, target, new ReplayEvent.HostClock(live)));
        return live;
    }

    @Override
    public void idle() throws IOException {
        log.idle();
    }

    @Override
    public void end(long instructions, String reason, StateFingerprint state) throws IOException {
        if (ended) {
            return;
        }
        ended = true;
        log.append(new LogEntry.End(instructions, reason, state));
        log.flush();
        long bytes = log.size();
        log.close();
        endSummary = "recorded " + inputs + " inputs, " + checkpoints + " checkpoints and " + snapshots + " snapshots to " + log.path() + " ("
                + bytes + " bytes): final instruction count " + instructions + ", state " + state.summary();
    }

    @Override
    public void abandon() {
        try {
            log.close();
        } catch (IOException e) {
            // the machine is going away already; the log keeps every block written before this
        }
    }

    @Override
    public String summary() {
        return endSummary;
    }

    private void append(LogEntry e) {
        try {
            log.append(e);
        } catch (IOException ex) {
            throw new UncheckedIOException("writing the replay log " + log.path() + " failed", ex);
        }
    }
}
