package dev.tern.cli;

import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.replay.RecordingJournal;
import dev.tern.kernel.replay.ReplayLogHeader;
import dev.tern.kernel.replay.ReplayLogReader;
import dev.tern.kernel.replay.ReplayLogWriter;
import dev.tern.kernel.replay.ReplayingJournal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Debian guest recorded with realtime pacing while a command is typed at its shell, then
 * replayed twice: the console output, the exit, the final instruction count and the whole machine
 * state must be identical to the recording's. Skipped without guest/ (scripts/fetch-guest.sh).
 */
class LinuxRecordReplayTest {

    static final long MAX_INSTRUCTIONS = 3_000_000_000L;
    static final long INTERVAL = 50_000_000;

    @TempDir
    Path dir;

    record Run(String console, MachineExit exit, long instructions, String state, String summary) { }

    @Test
    @Timeout(1800)
    void recordedBootAndShellCommandReplaysExactlyTwice() throws Exception {
        LinuxGuest.assumeGuest();
        Path log = dir.resolve("linux.rr");
        Run recorded;
        long t0 = System.nanoTime();
        try (var g = LinuxGuest.create(MAX_INSTRUCTIONS, List.of(), Pacing.REALTIME, spec -> new RecordingJournal(
                new ReplayLogWriter(log, ReplayLogHeader.forMachine(spec, "test", List.of("LinuxRecordReplayTest"), INTERVAL)),
                INTERVAL))) {
            g.machine.start();
            assertNull(g.waitFor(LinuxGuest.PROMPT, 0), "the guest stopped before its shell prompt:\n" + g.output());
            int at = g.type("echo replay-$((6*7))");
            assertNull(g.waitFor("replay-42\r\n", at), "no command output:\n" + g.output());
            g.type("reboot -f");
            recorded = finish(g);
        }
        System.out.printf("LinuxRecordReplayTest: recorded %d instructions in %.1f s, log %d bytes: %s%n",
                recorded.instructions(), (System.nanoTime() - t0) / 1e9, Files.size(log), recorded.summary());
        assertEquals(MachineExit.Reason.RESET, recorded.exit().reason(), recorded.exit().detail() + "\n" + recorded.console());
        for (int i = 0; i < 2; i++) {
            long r0 = System.nanoTime();
            Run replay;
            try (var g = LinuxGuest.create(MAX_INSTRUCTIONS, List.of(), Pacing.REALTIME,
                    spec -> new ReplayingJournal(ReplayLogReader.read(log), spec))) {
                g.machine.start();
                replay = finish(g);
            }
            System.out.printf("LinuxRecordReplayTest: replay %d in %.1f s: %s%n", i + 1, (System.nanoTime() - r0) / 1e9,
                    replay.summary());
            assertEquals(recorded.exit(), replay.exit(), "replay " + i + " exit");
            assertEquals(recorded.console(), replay.console(), "replay " + i + " console output");
            assertEquals(recorded.instructions(), replay.instructions(), "replay " + i + " instruction count");
            assertEquals(recorded.state(), replay.state(), "replay " + i + " machine state digest");
            assertTrue(replay.summary().contains("checkpoints matched"), replay.summary());
        }
    }

    private static Run finish(LinuxGuest g) throws Exception {
        MachineExit exit = g.machine.awaitExit();
        return new Run(g.output(), exit, g.machine.vcpus().getFirst().instructionCount(), MachineDigest.full(g.machine),
                g.machine.journalSummary());
    }
}
