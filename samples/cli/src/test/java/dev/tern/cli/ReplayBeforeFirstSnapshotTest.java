package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.ReplayTimeline;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.SnapshotStore;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.replay.EmbeddedSnapshot;
import dev.tern.kernel.replay.LogEntry;
import dev.tern.kernel.replay.RecordingJournal;
import dev.tern.kernel.replay.ReplayLog;
import dev.tern.kernel.replay.ReplayLogHeader;
import dev.tern.kernel.replay.ReplayLogReader;
import dev.tern.kernel.replay.ReplayLogWriter;
import dev.tern.kernel.replay.ReplayingJournal;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Going back before the first snapshot a replay has: a replay begun at a late embedded snapshot
 * (what {@code --replay-from} does) goes back to instructions before every embedded snapshot by
 * restarting from the machine's power-on state, replays the logged inputs from there, reaches the
 * states a replay from the start reaches, and still ends exactly as the recording did.
 *
 * <p>The guest is echo-ticks under realtime pacing with typed input (RecordReplayTest): the log
 * holds typed bytes and clock warps before, between and after its snapshots.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ReplayBeforeFirstSnapshotTest {

    static final long SNAPSHOT_EVERY = 1_500;

    @TempDir
    static Path dir;

    static MachineSpec spec;
    static ReplayLog log;
    static RecordReplayTest.Run recorded;

    @BeforeAll
    static void record() throws Exception {
        spec = RecordReplayTest.spec(16 << 20);
        Path rr = dir.resolve("echo.rr");
        var header = ReplayLogHeader.forMachine(spec, "test", List.of("ReplayBeforeFirstSnapshotTest"), RecordReplayTest.INTERVAL,
                SNAPSHOT_EVERY);
        recorded = RecordReplayTest.run(spec, new RecordingJournal(new ReplayLogWriter(rr, header), RecordReplayTest.INTERVAL,
                SNAPSHOT_EVERY), RecordReplayTest.TYPED, -1, false);
        assertEquals(MachineExit.Reason.POWER_OFF, recorded.exit().reason(), recorded.exit().detail());
        log = ReplayLogReader.read(rr);
        assertTrue(log.snapshots().size() >= 2, "snapshots at " + points(log) + " of " + recorded.instructions() + " instructions");
        long first = log.snapshots().getFirst().instructions();
        long last = log.snapshots().getLast().instructions();
        assertTrue(inputsBetween(0, first) > 0 && inputsBetween(first, last) > 0,
                "inputs before the first snapshot and between the first and the last: " + inputsBetween(0, first) + ", "
                        + inputsBetween(first, last));
    }

    private static String points(ReplayLog l) {
        return l.snapshots().stream().map(s -> Long.toString(s.instructions())).toList().toString();
    }

    private static long inputsBetween(long from, long to) {
        return log.entries().stream().filter(e -> e instanceof LogEntry.Input && e.instructions() >= from && e.instructions() < to)
                .count();
    }

    private static PluginRegistry plugins() {
        return PluginRegistry.discover(ReplayBeforeFirstSnapshotTest.class.getClassLoader(), List.of());
    }

    /** The machine's digest when a replay from power-on reaches {@code instructions}. */
    private static String reference(long instructions) throws Exception {
        try (Machine m = Machine.create(plugins(), spec, new ReplayingJournal(log, spec))) {
            var reached = m.pauseAt(instructions);
            m.start();
            reached.get(60, TimeUnit.SECONDS);
            return MachineDigest.full(m);
        }
    }

    /**
     * A replay begun at the recording's last embedded snapshot, with the history {@code keep} sets
     * up before anything is loaded (as {@code tern run --replay-from} does): goes back to {@code
     * early} (before the first snapshot) and {@code middle}, comparing each with a replay from the start.
     */
    private void goBackBeforeTheFirstSnapshot(Function<Machine, ReplayTimeline> keep) throws Exception {
        EmbeddedSnapshot last = log.snapshots().getLast();
        long early = log.snapshots().getFirst().instructions() / 2;
        long middle = (log.snapshots().getFirst().instructions() + last.instructions()) / 2 + 1;
        String atEarly = reference(early);
        String atMiddle = reference(middle);
        try (Machine m = Machine.create(plugins(), spec, new ReplayingJournal(log, spec))) {
            ReplayTimeline history = keep.apply(m);
            history.addRecorded(log.snapshots());
            ReplayTimeline.beginAt(m, last);
            assertEquals(0, history.points()[0], "the power-on state is kept: " + Arrays.toString(history.points()));
            var mon = new Monitor(m, new SnapshotStore(dir));
            var paused = m.pauseAt(last.instructions() + 100);
            m.start();
            paused.get(60, TimeUnit.SECONDS);

            assertEquals("", mon.execute("replay_seek " + early));
            assertEquals(early, m.vcpus().getFirst().instructionCount());
            assertEquals(atEarly, MachineDigest.full(m), "back before the first snapshot, from power-on");
            assertEquals("", mon.execute("replay_seek " + middle));
            assertEquals(atMiddle, MachineDigest.full(m), "forward again, past logged inputs");
            assertEquals("", mon.execute("replay_seek " + early));
            assertEquals(atEarly, MachineDigest.full(m), "and back once more");

            mon.execute("cont");
            MachineExit exit = m.awaitExit();
            assertEquals(recorded.exit(), exit);
            assertEquals(recorded.instructions(), m.vcpus().getFirst().instructionCount());
            assertEquals(recorded.state(), MachineDigest.full(m));
            assertTrue(m.journalSummary().startsWith("replayed ") && m.journalSummary().contains("checkpoints matched"),
                    "from power-on, every input and checkpoint again: " + m.journalSummary());
        }
    }

    @Test
    void withOnlyTheRecordingsSnapshots() throws Exception {
        goBackBeforeTheFirstSnapshot(ReplayTimeline::recordedOnly);
    }

    @Test
    void withInMemorySnapshotsTheHistoryFillsInBelowWhereItBegan() throws Exception {
        ReplayTimeline[] kept = new ReplayTimeline[1];
        goBackBeforeTheFirstSnapshot(m -> kept[0] = ReplayTimeline.install(m, 500, 1L << 30));
        long first = log.snapshots().getFirst().instructions();
        assertTrue(Arrays.stream(kept[0].points()).anyMatch(p -> p > 0 && p < first && p % 500 == 0),
                "in-memory snapshots taken after going back to power-on: " + Arrays.toString(kept[0].points()));
    }
}
