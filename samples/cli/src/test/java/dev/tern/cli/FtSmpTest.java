package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import org.junit.jupiter.api.Test;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fault tolerance with an SMP guest, two real JVMs: the smp-serial-counter guest
 * ({@code src/test/asm/smp-serial-counter.asm}) on {@code --smp 2}, whose every line needs both
 * CPUs' work (the BSP prints round n and the sum the AP added), runs under a primary; the primary
 * is SIGKILLed or halted by a test hook, the standby takes over and runs the guest to the
 * instruction limit. The serial output seen is that of one uninterrupted run (the rules of
 * {@link FtOutputCommitTest}: a shared file equals it byte for byte; separate files concatenate to
 * it). And a standby with another vCPU count refuses the primary at the handshake, both naming
 * both counts.
 */
class FtSmpTest {

    /** Where every run stops; the primary dies long before. */
    static final long LIMIT = 30_000_000;
    private static final Pattern LOST = Pattern.compile("ft: primary lost after checkpoint (\\d+); running as primary");
    private static volatile String reference;

    @TempDir
    Path dir;

    private List<String> guest(Path serial, int cpus) throws Exception {
        return List.of("--bios", RunMachines.guest(dir, "smp-serial-counter.rom").toString(), "-m", "4M", "--smp",
                Integer.toString(cpus), "--serial", "file:" + serial, "--pacing", "warp", "--max-instructions",
                Long.toString(LIMIT));
    }

    private String[] run(Path serial, int cpus, String... ft) throws Exception {
        var all = new ArrayList<>(guest(serial, cpus));
        all.addAll(List.of(ft));
        return all.toArray(String[]::new);
    }

    /** The serial output of a run that never stopped. */
    private String reference() throws Exception {
        if (reference == null) {
            Path out = dir.resolve("reference.log");
            try (Machine m = RunMachines.create(guest(out, 2))) {
                m.start();
                assertEquals(MachineExit.Reason.INSTRUCTION_LIMIT, m.awaitExit().reason());
            }
            String r = Files.readString(out, StandardCharsets.US_ASCII);
            // line n carries 64 × (1 + ... + n): the AP worked every round
            assertTrue(r.startsWith("0x00000001 0x00000040\r\n0x00000002 0x000000c0\r\n0x00000003 0x00000180\r\n"), r);
            assertTrue(r.split("\n").length > 300, "the run is long enough to fail over in: " + r.length() + " bytes");
            reference = r;
        }
        return reference;
    }

    @ParameterizedTest(name = "{0} {1}, {2} serial files")
    @CsvSource({"kill, 40, shared", "kill, 200, shared", "halt, 3:mid, separate", "halt, 4:acked, separate"})
    @Timeout(180)
    void anSmpGuestFailsOverWithTheOutputOfOneUninterruptedRun(String how, String at, String layout) throws Exception {
        String expected = reference();
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "correct horse\n");
        Path a = dir.resolve("a.log");
        Path b = layout.equals("shared") ? a : dir.resolve("b.log");
        try (MigrationPeer standby = MigrationPeer.start(run(b, 2, "--ft",
                "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none"))) {
            String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
            List<String> jvm = how.equals("halt") ? List.of("-Dtern.ft.test.halt=" + at) : List.of();
            try (MigrationPeer primary = MigrationPeer.start(jvm, run(a, 2, "--ft", "primary,peer=" + address
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
            seen = seen + Files.readString(b, StandardCharsets.US_ASCII);
        }
        assertEquals(expected.length(), seen.length(), "the serial output differs from one run's in length");
        assertEquals(expected, seen);
    }

    @Test
    @Timeout(120)
    void aStandbyWithAnotherVcpuCountRefusesThePrimaryAtTheHandshake() throws Exception {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "correct horse\n");
        try (MigrationPeer standby = MigrationPeer.start(run(dir.resolve("b.log"), 1, "--ft",
                "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none"))) {
            String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
            try (MigrationPeer primary = MigrationPeer.start(run(dir.resolve("a.log"), 2, "--ft", "primary,peer="
                    + address + ",password-file=" + pw + ",fencing=none,interval=20ms,timeout=5s"))) {
                String why = "configuration mismatch: the primary is a machine with 2 vCPUs, this standby has 1"
                        + " (--smp 1): start the standby with --smp 2";
                Matcher p = primary.awaitLine(Pattern.compile("ft: no standby \\((.*)\\); running unprotected"));
                assertEquals("the standby refused: " + why, p.group(1));
                Matcher s = standby.awaitLine(Pattern.compile("ft: refused primary \\S+: (.*); waiting for another"));
                assertEquals(why, s.group(1));
                assertEquals(0, primary.awaitExit(), primary.output()); // ran unprotected to the limit
                assertEquals(reference(), Files.readString(dir.resolve("a.log"), StandardCharsets.US_ASCII));
            }
            assertTrue(standby.process().isAlive(), "the standby waits for another primary");
        }
    }

    /** Waits until the serial file holds {@code lines} lines (the primary's output has no other signal). */
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
