package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSnapshot;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.machine.ReplayTimeline;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.SnapshotStore;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.replay.RecordingJournal;
import dev.tern.kernel.replay.ReplayLogHeader;
import dev.tern.kernel.replay.ReplayLogReader;
import dev.tern.kernel.replay.ReplayLogWriter;
import dev.tern.kernel.replay.ReplayingJournal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The monitor's {@code replay_seek}: back and forth in a replay of the gdb-loop guest, to exact states. */
class ReplaySeekTest {

    @TempDir
    Path dir;

    private static MachineSpec spec() throws Exception {
        byte[] rom;
        try (InputStream in = ReplaySeekTest.class.getResourceAsStream("/guests/gdb-loop.rom")) {
            assertNotNull(in);
            rom = in.readAllBytes();
        }
        var b = MachineSpec.builder().ramSize(16L << 20).firmware(rom).pacing(Pacing.WARP);
        PcDevices.standard("none").forEach(b::device);
        return b.maxInstructions(2_000_000).build();
    }

    private PluginRegistry plugins() {
        return PluginRegistry.discover(getClass().getClassLoader(), List.of());
    }

    @Test
    @Timeout(120)
    void seekingBackAndForthReachesTheSameStatesAsRunningForward() throws Exception {
        var spec = spec();
        Path log = dir.resolve("loop.rr");
        var header = ReplayLogHeader.forMachine(spec, "test", List.of("ReplaySeekTest"), 250_000);
        try (Machine rec = Machine.create(plugins(), spec, new RecordingJournal(new ReplayLogWriter(log, header), 250_000))) {
            rec.start();
            rec.awaitExit();
        }
        try (Machine m = Machine.create(plugins(), spec, new ReplayingJournal(ReplayLogReader.read(log), spec))) {
            ReplayTimeline.install(m, 100_000, 1L << 30);
            var mon = new Monitor(m, new SnapshotStore(dir));
            var first = m.pauseAt(1_234_567);
            m.start();
            first.get();
            String forward = state(m);
            assertEquals("", mon.execute("replay_seek 345678"));
            assertEquals(345_678, m.vcpus().getFirst().instructionCount());
            String earlier = state(m);
            assertEquals("", mon.execute("replay_seek 1234567"));
            assertEquals(forward, state(m), "seeking forward again reaches the same state");
            assertEquals("", mon.execute("replay_seek 345678"));
            assertEquals(earlier, state(m), "seeking back twice reaches the same state");
            assertTrue(mon.execute("replay_seek x").contains("'x' is not an instruction count"));
            assertTrue(m.replayHistory().orElseThrow().points().length >= 13, "a snapshot every 100000 instructions");
            // the replay still ends exactly as recorded
            mon.execute("cont");
            m.awaitExit();
            assertTrue(m.journalSummary().contains("checkpoints matched"), m.journalSummary());
        }
    }

    @Test
    @Timeout(60)
    void withoutHistoryReplaySeekSaysWhatItNeeds() throws Exception {
        try (Machine m = Machine.create(plugins(), spec())) {
            String reply = new Monitor(m, new SnapshotStore(dir)).execute("replay_seek 5");
            assertTrue(reply.contains("replay_seek needs a replay that keeps history"), reply);
        }
    }

    /** The machine's state fingerprint plus the vCPU's registers. */
    private static String state(Machine m) throws Exception {
        var out = new java.io.ByteArrayOutputStream();
        MachineSnapshot.save(m, out);
        return m.vcpus().getFirst().describe() + " " + java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(out.toByteArray()));
    }

}
