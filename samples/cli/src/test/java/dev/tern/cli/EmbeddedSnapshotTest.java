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

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static dev.tern.cli.RecordReplayCliTest.cli;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Snapshots embedded in a recording ({@code --record-snapshot-every}): a replay starts from one
 * ({@code --replay-from}) or goes back to one ({@code replay_seek}) and ends exactly as the recording
 * did; a damaged snapshot is refused naming where it is; a version 1 log still replays.
 */
class EmbeddedSnapshotTest {

    @TempDir
    Path dir;

    /** The serial-counter guest (prints 1, 2, 3, ...) recorded for 1.9 M instructions, a snapshot every 500,000. */
    private RecordReplayCliTest.Result record(Path rr, Path serial) throws Exception {
        return cli("run", "--bios", RunMachines.guest(dir, "serial-counter.rom").toString(), "-m", "4M", "--serial",
                "file:" + serial, "--pacing", "realtime", "--max-instructions", "1900000", "--checkpoint-interval", "100000",
                "--record", rr.toString(), "--record-snapshot-every", "500000");
    }

    private RecordReplayCliTest.Result replay(Path rr, Path serial, String... more) throws Exception {
        var args = new java.util.ArrayList<>(List.of("run", "--bios", dir.resolve("serial-counter.rom").toString(), "-m", "4M",
                "--serial", "file:" + serial, "--replay", rr.toString()));
        args.addAll(List.of(more));
        return cli(args.toArray(String[]::new));
    }

    private static String finalState(String err) {
        int at = err.indexOf("final instruction count");
        assertTrue(at >= 0, err);
        return err.substring(at).lines().findFirst().orElseThrow();
    }

    @Test
    @Timeout(120)
    void aReplayFromAnEmbeddedSnapshotEndsAsTheRecordingDid() throws Exception {
        Path rr = dir.resolve("run.rr");
        Path recorded = dir.resolve("rec.out");
        var rec = record(rr, recorded);
        assertEquals(0, rec.status(), rec.err());
        assertTrue(rec.err().contains("checkpoints and 3 snapshots"), rec.err());

        var analysis = cli("analyze", rr.toString());
        assertEquals(0, analysis.status(), analysis.err());
        assertTrue(analysis.out().contains("format version 5"), analysis.out());
        assertTrue(analysis.out().contains("snapshot interval: 500000 instructions"), analysis.out());
        assertTrue(analysis.out().contains("snapshots: 3"), analysis.out());
        for (String at : List.of("500000", "1000000", "1500000")) {
            assertTrue(analysis.out().contains("instruction " + at + " "), analysis.out());
        }

        Path whole = dir.resolve("whole.out");
        var full = replay(rr, whole);
        assertEquals(0, full.status(), full.err());
        assertEquals(Files.readString(recorded), Files.readString(whole));

        Path tail = dir.resolve("tail.out");
        var middle = replay(rr, tail, "--replay-from", "1234567");
        assertEquals(0, middle.status(), middle.err());
        assertTrue(middle.err().contains("replaying from the recording's snapshot at instruction 1000000"), middle.err());
        assertTrue(middle.err().contains("checkpoints matched"), middle.err());
        assertEquals(finalState(rec.err()), finalState(middle.err()), "same final instruction count and state");
        String all = Files.readString(recorded);
        String fromMiddle = Files.readString(tail);
        assertTrue(!fromMiddle.isEmpty() && fromMiddle.length() < all.length(), fromMiddle.length() + " of " + all.length());
        assertTrue(all.endsWith(fromMiddle), "the replay from the middle prints the recording's serial tail");
        assertTrue(middle.err().contains("from the snapshot at instruction 1000000, replayed 0 inputs, 10 checkpoints matched"),
                middle.err());

        // before the first snapshot: from power-on, the recording's initial state
        Path early = dir.resolve("early.out");
        var tooEarly = replay(rr, early, "--replay-from", "499999");
        assertEquals(0, tooEarly.status(), tooEarly.err());
        assertTrue(tooEarly.err().contains("replaying from power-on: " + rr + " has no embedded snapshot at or before instruction 499999"
                + " (the first is at 500000)"), tooEarly.err());
        assertEquals(finalState(rec.err()), finalState(tooEarly.err()));
        assertEquals(all, Files.readString(early));
    }

    @Test
    @Timeout(120)
    void aCorruptedSnapshotIsRefusedNamingItsBlockAndOffset() throws Exception {
        Path rr = dir.resolve("run.rr");
        assertEquals(0, record(rr, dir.resolve("rec.out")).status());
        var second = ReplayLogReader.read(rr).snapshots().get(1);
        byte[] b = Files.readAllBytes(rr);
        b[(int) (second.offset() + second.stateBytes() / 2)] ^= 0x01;
        Path flipped = dir.resolve("flipped.rr");
        Files.write(flipped, b);
        String expected = "block " + second.block() + " (an embedded snapshot) is corrupt: CRC32C";
        var rep = replay(flipped, dir.resolve("f.out"));
        assertEquals(2, rep.status(), rep.err());
        assertTrue(rep.err().contains(expected) && rep.err().contains("(at offset " + second.offset() + ")"), rep.err());
        var analysis = cli("analyze", flipped.toString());
        assertTrue(analysis.status() != 0 && analysis.err().contains(expected), analysis.err());

        // a hostile snapshot: its CRC made valid again, its saved state garbage
        int state = (int) (second.offset() + ReplayLogBytes.FRAME + 3); // frame, varint 1000000 (3)
        for (int i = 0; i < 64; i++) {
            b[state + i] = (byte) i;
        }
        ReplayLogBytes.seal(b, (int) second.offset());
        Path hostile = dir.resolve("hostile.rr");
        Files.write(hostile, b);
        var from = replay(hostile, dir.resolve("h.out"), "--replay-from", "1000000");
        assertEquals(2, from.status(), from.err());
        assertTrue(from.err().contains("the recording's snapshot at instruction 1000000 (block " + second.block() + " at offset "
                + second.offset() + ") cannot be loaded"), from.err());
    }

    @Test
    @Timeout(120)
    void aVersion1RecordingStillReplays() throws Exception {
        Path rr = dir.resolve("v1.rr");
        Path expected = dir.resolve("v1.out");
        for (String name : List.of("serial-counter-v1.rr", "serial-counter-v1.out")) {
            try (InputStream in = getClass().getResourceAsStream("/replay/" + name)) {
                assertNotNull(in, name);
                Files.write(name.endsWith(".rr") ? rr : expected, in.readAllBytes());
            }
        }
        RunMachines.guest(dir, "serial-counter.rom");
        Path out = dir.resolve("out");
        var rep = replay(rr, out);
        assertEquals(0, rep.status(), rep.err());
        assertTrue(rep.err().contains("5 checkpoints matched: final instruction count 400000"), rep.err());
        assertEquals(Files.readString(expected), Files.readString(out));
        assertTrue(cli("analyze", rr.toString()).out().contains("format version 1"));
    }

    /** replay_seek back, with no in-memory history at all: only the recording's snapshots to go back to. */
    @Test
    @Timeout(120)
    void replaySeekGoesBackThroughEmbeddedSnapshots() throws Exception {
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
        var header = ReplayLogHeader.forMachine(spec, "test", List.of(), 250_000, 400_000);
        try (Machine rec = Machine.create(plugins, spec, new RecordingJournal(new ReplayLogWriter(log, header), 250_000, 400_000))) {
            rec.start();
            rec.awaitExit();
        }
        var parsed = ReplayLogReader.read(log);
        String at900k;
        try (Machine m = Machine.create(plugins, spec, new ReplayingJournal(parsed, spec))) {
            var reached = m.pauseAt(900_000);
            m.start();
            reached.get();
            at900k = state(m);
        }
        try (Machine m = Machine.create(plugins, spec, new ReplayingJournal(parsed, spec))) {
            var history = ReplayTimeline.recordedOnly(m);
            history.addRecorded(parsed.snapshots());
            assertArrayEquals(new long[] {0, 400_000, 800_000, 1_200_000, 1_600_000, 2_000_000}, history.points(),
                    "the power-on state and the recording's snapshots");
            var mon = new Monitor(m, new SnapshotStore(dir));
            var first = m.pauseAt(1_500_000);
            m.start();
            first.get();
            assertEquals(800_000, history.pointAtOrBefore(900_000));
            assertEquals("", mon.execute("replay_seek 900000"));
            assertEquals(900_000, m.vcpus().getFirst().instructionCount());
            assertEquals(at900k, state(m), "back from 1,500,000 through the snapshot at 800,000");
            mon.execute("cont");
            m.awaitExit();
            assertTrue(m.journalSummary().contains("checkpoints matched"), m.journalSummary());
        }
    }

    private static String state(Machine m) throws Exception {
        var out = new ByteArrayOutputStream();
        MachineSnapshot.save(m, out);
        return m.vcpus().getFirst().describe() + " "
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(out.toByteArray()));
    }

}
