package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Output commit across a failover, two real JVMs: the serial-counter guest prints 1, 2, 3, ... on
 * its serial port while a primary checkpoints it to a standby; the primary dies — SIGKILL once its
 * serial file shows some lines, or halted by a test hook at an exact point — the standby takes
 * over and runs the guest to the instruction limit. The serial output the outside world saw must be
 * that of one uninterrupted run, byte for byte: no released output lost, none twice, none from
 * execution the standby did not have.
 *
 * <p>Two layouts: <b>separate</b> files (primary {@code a.log}, standby {@code b.log}, which
 * starts where the standby's delivery starts): {@code a.log + b.log} must equal the reference
 * exactly — output from beyond the standby's checkpoint in {@code a.log} makes it longer, output
 * the standby failed to deliver again makes it shorter. <b>shared</b>: both name the same file, as
 * on shared storage; the standby writes at the stream's positions, so output the primary delivered
 * just before dying and the standby delivers again is written once.
 */
class FtOutputCommitTest {

    /** Where every run stops; the primary dies long before. */
    static final long LIMIT = 30_000_000;
    private static final Pattern LOST = Pattern.compile("ft: primary lost after checkpoint (\\d+); running as primary");
    private static volatile String reference;

    @TempDir
    Path dir;

    private List<String> guest(Path serial) throws Exception {
        return List.of("--bios", RunMachines.guest(dir, "serial-counter.rom").toString(), "-m", "4M", "--serial",
                "file:" + serial, "--pacing", "warp", "--max-instructions", Long.toString(LIMIT));
    }

    /** The serial output of a run that never stopped. */
    private String reference() throws Exception {
        if (reference == null) {
            Path out = dir.resolve("reference.log");
            try (Machine m = RunMachines.create(guest(out))) {
                m.start();
                assertEquals(MachineExit.Reason.INSTRUCTION_LIMIT, m.awaitExit().reason());
            }
            reference = Files.readString(out, StandardCharsets.US_ASCII);
            assertTrue(reference.startsWith("1\n2\n3\n"), "the guest prints its counter");
        }
        return reference;
    }

    private String[] run(Path serial, String... ft) throws Exception {
        var all = new ArrayList<>(guest(serial));
        all.addAll(List.of(ft));
        return all.toArray(String[]::new);
    }

    @ParameterizedTest(name = "{0} {1}, {2} serial files")
    @CsvSource({
        "kill, 1, shared", "kill, 60, shared", "kill, 300, shared", "kill, 900, separate-prefix",
        "halt, 2:mid, separate", "halt, 6:mid, separate", "halt, 3:acked, separate", "halt, 8:acked, separate",
        "halt, 2:released, shared", "halt, 5:released, shared"})
    @Timeout(180)
    void theOutputSeenAcrossAFailoverIsThatOfOneUninterruptedRun(String how, String at, String layout)
            throws Exception {
        String expected = reference();
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "correct horse\n");
        Path a = dir.resolve("a.log");
        Path b = layout.equals("shared") ? a : dir.resolve("b.log");
        try (MigrationPeer standby = MigrationPeer.start(run(b, "--ft",
                "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none"))) {
            String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
            List<String> jvm = how.equals("halt") ? List.of("-Dtern.ft.test.halt=" + at) : List.of();
            try (MigrationPeer primary = MigrationPeer.start(jvm, run(a, "--ft", "primary,peer=" + address
                    + ",password-file=" + pw + ",fencing=none,interval=20ms,timeout=5s"))) {
                primary.awaitLine(Pattern.compile("ft: protected by standby"));
                if (how.equals("kill")) {
                    awaitLines(a, Integer.parseInt(at), primary);
                    primary.kill();
                } else {
                    primary.awaitLine(Pattern.compile("ft: test hook: halting at checkpoint"));
                    assertEquals(137, primary.awaitExit(), primary.output());
                }
            }
            standby.awaitLine(LOST);
            assertEquals(0, standby.awaitExit(), standby.output()); // ran on to the limit
        }
        String seen = Files.readString(a, StandardCharsets.US_ASCII);
        if (!layout.equals("shared")) {
            String mine = seen;
            String theirs = Files.readString(b, StandardCharsets.US_ASCII);
            assertTrue(expected.startsWith(mine), "the primary released output the run never printed");
            assertTrue(expected.endsWith(theirs), "the standby released output the run never printed");
            if (layout.equals("separate-prefix")) {
                // a SIGKILL may land between the primary's delivery and its RELEASED message: the
                // standby then delivers that checkpoint's output again, which only a shared file
                // absorbs; nothing may be lost either way
                assertTrue(mine.length() + theirs.length() >= expected.length(), "output was lost");
                return;
            }
            seen = mine + theirs;
        }
        assertEquals(expected.length(), seen.length(), "the serial output differs from one run's in length");
        assertEquals(expected, seen);
    }

    /**
     * Waits until the serial file holds {@code lines} lines (polls the file: the primary's output
     * has no other signal; the wait ends on the condition, not on the time).
     */
    private static void awaitLines(Path file, int lines, MigrationPeer primary) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            byte[] b = Files.readAllBytes(file);
            int n = 0;
            for (byte x : b) {
                n += x == '\n' ? 1 : 0;
            }
            if (n >= lines) {
                return;
            }
            if (System.nanoTime() > deadline || !primary.process().isAlive()) {
                fail("the primary's serial file never reached " + lines + " lines; output:\n" + primary.output());
            }
            TimeUnit.MILLISECONDS.sleep(2); // poll pace
        }
    }
}
