package dev.tern.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ctrl-C in Debian's real gdb while the stub serves a reverse-continue (replaying forward from a
 * snapshot, looking for breakpoint hits) or a reverse-stepi (replaying forward from a far snapshot): gdb gets its SIGINT stop at an exact point of the replay,
 * from which stepping forward and back agree, and the replay still ends as recorded.
 */
class GdbReverseInterruptTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(300)
    void ctrlCDuringReverseContinueStopsAtAConsistentPoint() throws Exception {
        DebuggedTern.gdbPath();
        Path rom = RunMachines.guest(dir, "gdb-loop.rom");
        Path rr = dir.resolve("loop.rr");
        var rec = RecordReplayCliTest.cli("run", "--bios", rom.toString(), "--serial", "none", "--pacing", "warp",
                "--record", rr.toString(), "--max-instructions", "40000000", "--checkpoint-interval", "5000000");
        assertEquals(0, rec.status(), rec.err());
        try (var tern = DebuggedTern.start("--bios", rom.toString(), "--serial", "none", "--replay", rr.toString(),
                "--replay-snapshot-every", "20000000")) {
            String out = tern.gdbInterruptingAt("Sending packet: $bc",
                    "break *0x1", // never hit: a reverse-continue replays the whole history looking for it
                    "continue", // to the end of the recording
                    "set debug remote 1",
                    "reverse-continue",
                    "set debug remote 0",
                    "stepi",
                    "echo ==A==\\n", "info registers", "echo ==END==\\n",
                    "reverse-stepi",
                    "stepi",
                    "echo ==B==\\n", "info registers", "echo ==END==\\n",
                    "delete",
                    "continue",
                    "detach");
            assertTrue(out.contains("Packet received: T02"), "the stub answered the interrupt with SIGINT:\n" + out);
            assertTrue(out.contains("Program received signal SIGINT"), out);
            assertEquals(between(out, "==A=="), between(out, "==B=="),
                    "from where the interrupt stopped, forward and back agree:\n" + out);
            assertEquals(0, tern.awaitExit(), tern.err());
            assertTrue(tern.err().contains("checkpoints matched: final instruction count 40000000"), tern.err());
        }
    }

    /**
     * The same for a reverse-stepi from the end of a long recording whose only earlier snapshot is at
     * its start: the step replays all of it, and a Ctrl-C meanwhile stops it where the replay is.
     */
    @Test
    @Timeout(300)
    void ctrlCDuringALongReverseStepiStopsAtAConsistentPoint() throws Exception {
        DebuggedTern.gdbPath();
        Path rom = RunMachines.guest(dir, "gdb-loop.rom");
        Path rr = dir.resolve("long.rr");
        var rec = RecordReplayCliTest.cli("run", "--bios", rom.toString(), "--serial", "none", "--pacing", "warp",
                "--record", rr.toString(), "--max-instructions", "150000000", "--checkpoint-interval", "10000000");
        assertEquals(0, rec.status(), rec.err());
        try (var tern = DebuggedTern.start("--bios", rom.toString(), "--serial", "none", "--replay", rr.toString(),
                "--replay-snapshot-every", "1000000000")) {
            String out = tern.gdbInterruptingAt("Sending packet: $bs",
                    "continue", // to the end of the recording; the only snapshot is at instruction 0
                    "set debug remote 1",
                    "reverse-stepi",
                    "set debug remote 0",
                    "stepi",
                    "echo ==A==\\n", "info registers", "echo ==END==\\n",
                    "reverse-stepi",
                    "stepi",
                    "echo ==B==\\n", "info registers", "echo ==END==\\n",
                    "continue",
                    "detach");
            assertTrue(out.contains("Packet received: T02"), "the stub answered the interrupt with SIGINT:\n" + out);
            assertTrue(out.contains("Program received signal SIGINT"), out);
            assertEquals(between(out, "==A=="), between(out, "==B=="),
                    "from where the interrupt stopped, forward and back agree:\n" + out);
            assertEquals(0, tern.awaitExit(), tern.err());
            assertTrue(tern.err().contains("checkpoints matched: final instruction count 150000000"), tern.err());
        }
    }

    private static String between(String s, String from) {
        int a = s.indexOf(from);
        int b = s.indexOf("==END==", a);
        assertTrue(a >= 0 && b > a, "no " + from + " block in:\n" + s);
        return s.substring(a + from.length(), b);
    }
}
