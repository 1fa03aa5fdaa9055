package dev.tern.cli;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
 * Deaths inside the handshake, between WELCOME and ACCEPTED (three real JVMs; the serial-counter
 * guest, which prints 1, 2, 3, ... and runs until killed; the hook {@code
 * tern.ft.test.halt-handshake} halts a JVM as abruptly as SIGKILL at {@code welcome} — both WELCOMEs
 * exchanged, before AUTH — {@code auth} — both proofs exchanged, before CONFIG — or {@code config}
 * — CONFIG sent / read, before ACCEPTED):
 * <ul>
 * <li>the primary dies before it proved the secret: to the standby that is a refused connection
 *     (it cannot tell a dead primary from a stray client, and an unauthenticated peer must not end
 *     it); it waits, a new primary protects it, dies in turn, and the standby takes over;
 * <li>the primary dies after it proved the secret: the standby says the primary was lost before
 *     the first checkpoint, ends with status 2 and never ran the guest;
 * <li>the standby dies at either point: the primary says it has no standby, runs on unprotected,
 *     and a new standby on the same address protects it and takes over when it is killed.
 * </ul>
 * The serial files are one run's output: the primary's a prefix of 1, 2, 3, ..., the standby's
 * a piece of it starting at or before the primary's end (nothing lost).
 */
class FtHandshakeKillTest {

    private static final Pattern WAITING = Pattern.compile("ft: standby waiting for a primary on (\\S+)");
    private static final Pattern PROTECTED = Pattern.compile("ft: protected by standby");
    private static final Pattern TOOK_OVER = Pattern.compile("ft: primary lost after checkpoint \\d+; running as primary");
    private static final Pattern HALTED = Pattern.compile("ft: test hook: halting in the handshake");

    @TempDir
    Path dir;

    private String[] run(Path serial, String ft) throws Exception {
        var all = new ArrayList<>(List.of("--bios", RunMachines.guest(dir, "serial-counter.rom").toString(), "-m", "4M",
                "--serial", "file:" + serial, "--pacing", "warp", "--ft", ft));
        return all.toArray(String[]::new);
    }

    private Path password() throws Exception {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "correct horse\n");
        return pw;
    }

    private String primaryFt(String address, Path pw) {
        return "primary,peer=" + address + ",password-file=" + pw + ",fencing=none,interval=20ms,timeout=5s";
    }

    @ParameterizedTest(name = "primary halted at {0}")
    @ValueSource(strings = {"welcome", "auth", "config"})
    @Timeout(180)
    void aPrimaryDeadInTheHandshakeLeavesTheStandbyWithNothingToRun(String at) throws Exception {
        Path pw = password();
        Path b = dir.resolve("b.log");
        try (MigrationPeer standby = MigrationPeer.start(run(b, "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none"))) {
            String address = standby.awaitLine(WAITING).group(1);
            try (MigrationPeer first = MigrationPeer.start(List.of("-Dtern.ft.test.halt-handshake=" + at),
                    run(dir.resolve("a1.log"), primaryFt(address, pw)))) {
                first.awaitLine(HALTED);
                assertEquals(137, first.awaitExit(), first.output());
            }
            if (!at.equals("welcome")) {
                // authenticated, then dead: at auth the standby waits for CONFIG and sees the loss in the
                // handshake; right after CONFIG its ACCEPTED may still go out, so the loss may show in the
                // handshake or just after it: the same line either way
                String lost = standby.awaitLine(Pattern.compile(
                        "ft: primary lost before the first checkpoint completed \\(.+\\); nothing to run")).group();
                assertTrue(!at.equals("auth") || lost.contains("(in the handshake with "), lost);
                assertEquals(2, standby.awaitExit(), standby.output());
                assertEquals(0, Files.size(b), "the standby never ran the guest");
                return;
            }
            standby.awaitLine(Pattern.compile("ft: refused primary \\S+: .+; waiting for another"));
            Path a = dir.resolve("a2.log");
            try (MigrationPeer second = MigrationPeer.start(run(a, primaryFt(address, pw)))) {
                second.awaitLine(PROTECTED);
                awaitLines(a, 100, second);
                second.kill();
            }
            standby.awaitLine(TOOK_OVER);
            awaitLines(b, 200, standby);
            standby.kill();
            assertOneRun(Files.readString(a), Files.readString(b));
        }
    }

    @ParameterizedTest(name = "standby halted at {0}")
    @ValueSource(strings = {"welcome", "auth", "config"})
    @Timeout(180)
    void aStandbyDeadInTheHandshakeLeavesThePrimaryRunningUntilANewOneComes(String at) throws Exception {
        Path pw = password();
        Path a = dir.resolve("a.log");
        Path b = dir.resolve("b2.log");
        String address;
        try (MigrationPeer first = MigrationPeer.start(List.of("-Dtern.ft.test.halt-handshake=" + at),
                run(dir.resolve("b1.log"), "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none"))) {
            address = first.awaitLine(WAITING).group(1);
            try (MigrationPeer primary = MigrationPeer.start(run(a, primaryFt(address, pw)))) {
                first.awaitLine(HALTED);
                assertEquals(137, first.awaitExit(), first.output());
                primary.awaitLine(Pattern.compile("ft: no standby \\(.+\\); running unprotected"));
                awaitLines(a, 50, primary); // the guest runs on, its output released
                try (MigrationPeer second = MigrationPeer.start(run(b, "standby,listen=" + address + ",password-file="
                        + pw + ",fencing=none"))) {
                    second.awaitLine(Pattern.compile("ft: in sync with primary"));
                    primary.awaitLine(PROTECTED);
                    long before = lines(a);
                    awaitLines(a, before + 100, primary);
                    primary.kill();
                    second.awaitLine(TOOK_OVER);
                    awaitLines(b, 200, second);
                    second.kill();
                }
            }
        }
        assertOneRun(Files.readString(a), Files.readString(b));
    }

    /** {@code mine} is a prefix of 1, 2, 3, ...; {@code theirs} a piece of it starting at or before its end. */
    private static void assertOneRun(String mine, String theirs) {
        String counting = counting(mine.length() + theirs.length() + 64);
        assertTrue(counting.startsWith(mine), "the primary released output the guest never printed");
        int from = counting.indexOf(theirs.substring(0, Math.min(theirs.length(), 4096)));
        assertTrue(from >= 0, "the standby released output the guest never printed");
        assertTrue(counting.startsWith(theirs, from), "the standby's output is not one run's");
        assertTrue(from <= mine.length(), "output between " + from + " and " + mine.length() + " was lost");
    }

    /** "1\n2\n3\n..." up to at least {@code length} characters. */
    private static String counting(int length) {
        var sb = new StringBuilder();
        for (int n = 1; sb.length() < length; n++) {
            sb.append(n).append('\n');
        }
        return sb.toString();
    }

    private static long lines(Path file) throws Exception {
        return Files.readString(file).chars().filter(c -> c == '\n').count();
    }

    /** Waits until {@code file} holds {@code n} lines (it has no other signal; the wait ends on the condition). */
    private static void awaitLines(Path file, long n, MigrationPeer peer) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (lines(file) < n) {
            if (System.nanoTime() > deadline || !peer.process().isAlive()) {
                fail(file.getFileName() + " never reached " + n + " lines; output:\n" + peer.output());
            }
            TimeUnit.MILLISECONDS.sleep(5); // poll pace
        }
    }
}
