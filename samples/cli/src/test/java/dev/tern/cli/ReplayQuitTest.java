package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
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

/** The monitor's {@code quit} in the middle of a replay ends it cleanly, not as a divergence. */
class ReplayQuitTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void quittingAReplayMidwayLeavesItCleanly() throws Exception {
        byte[] rom;
        try (InputStream in = getClass().getResourceAsStream("/guests/gdb-loop.rom")) {
            assertNotNull(in);
            rom = in.readAllBytes();
        }
        var b = MachineSpec.builder().ramSize(16L << 20).firmware(rom).pacing(Pacing.WARP);
        PcDevices.standard("none").forEach(b::device);
        MachineSpec spec = b.maxInstructions(2_000_000).build();
        var plugins = PluginRegistry.discover(getClass().getClassLoader(), List.of());
        Path log = dir.resolve("loop.rr");
        var header = ReplayLogHeader.forMachine(spec, "test", List.of(), 250_000);
        try (Machine rec = Machine.create(plugins, spec, new RecordingJournal(new ReplayLogWriter(log, header), 250_000))) {
            rec.start();
            rec.awaitExit();
        }
        try (Machine m = Machine.create(plugins, spec, new ReplayingJournal(ReplayLogReader.read(log), spec))) {
            var mon = new Monitor(m, new SnapshotStore(dir));
            var reached = m.pauseAt(1_111_111);
            m.start();
            reached.get();
            assertEquals("", mon.execute("quit"));
            MachineExit exit = m.awaitExit();
            assertEquals(MachineExit.Reason.HOST_STOP, exit.reason(), exit.detail());
            assertEquals(0, exit.status(), exit.detail());
            assertEquals("left the replay at instruction 1111111: quit from the monitor", m.journalSummary());
            assertTrue(mon.quitRequested());
        }
    }
}
