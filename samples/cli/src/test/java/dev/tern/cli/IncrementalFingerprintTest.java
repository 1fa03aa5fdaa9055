package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.replay.LogEntry;
import dev.tern.kernel.replay.RecordingJournal;
import dev.tern.kernel.replay.ReplayLogHeader;
import dev.tern.kernel.replay.ReplayLogReader;
import dev.tern.kernel.replay.ReplayLogWriter;
import dev.tern.kernel.replay.StateFingerprint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A recording's checkpoints fingerprint RAM from the pages written since the previous one; on a real
 * guest whose interpreter writes RAM through its own page cache (the bench guest's sieve rewrites
 * the same MiB over and over), each must equal a fingerprint that reads all of RAM at that count.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class IncrementalFingerprintTest {

    static final long INTERVAL = 1_000_000;
    static final long LENGTH = 12_000_000;

    @TempDir
    Path dir;

    @Test
    void everyRecordedCheckpointEqualsAFullReadAtItsCount() throws Exception {
        var spec = MachineSpec.builder().ramSize(16L << 20).firmware(BenchCommand.benchRom())
                .pacing(Pacing.WARP).maxInstructions(LENGTH).build();
        var plugins = PluginRegistry.discover(getClass().getClassLoader(), List.of());
        Path log = dir.resolve("bench.rr");
        var header = ReplayLogHeader.forMachine(spec, "test", List.of("IncrementalFingerprintTest"), INTERVAL);
        try (Machine m = Machine.create(plugins, spec, new RecordingJournal(new ReplayLogWriter(log, header), INTERVAL))) {
            m.start();
            assertEquals(MachineExit.Reason.INSTRUCTION_LIMIT, m.awaitExit().reason());
            assertTrue(m.journalSummary().startsWith("recorded "), m.journalSummary());
        }
        var checkpoints = ReplayLogReader.read(log).entries().stream()
                .filter(e -> e instanceof LogEntry.Checkpoint).map(e -> (LogEntry.Checkpoint) e).toList();
        assertEquals(LENGTH / INTERVAL + 1, checkpoints.size(), "checkpoints at 0, 1 M, ... " + LENGTH);
        try (Machine m = Machine.create(plugins, spec)) {
            var first = m.pauseAt(0);
            m.start();
            first.get(60, TimeUnit.SECONDS);
            for (LogEntry.Checkpoint c : checkpoints) {
                if (c.instructions() > 0) {
                    var reached = m.pauseAt(c.instructions());
                    m.resume();
                    reached.get(60, TimeUnit.SECONDS);
                }
                var whole = StateFingerprint.of(m.memory(), m.sections());
                assertEquals(java.util.Optional.empty(), whole.difference(c.state(), m.memory()),
                        "checkpoint at " + c.instructions());
            }
            // a sieve that wrote nothing between checkpoints would prove nothing
            assertTrue(checkpoints.stream().map(c -> java.util.Arrays.toString(c.state().ramChunks())).distinct().count() > 5);
        }
    }
}
