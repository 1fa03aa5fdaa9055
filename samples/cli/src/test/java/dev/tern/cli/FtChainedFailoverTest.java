package dev.tern.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

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
 * Re-protection of a standby that took over ({@code reprotect=}), three real JVMs: primary P and
 * standby A (listening on a.sock, {@code reprotect=} b.sock); P is killed and A takes over, running
 * the guest unprotected; standby B starts on b.sock and A, now a primary, protects the guest with
 * it; A is killed and B takes over. The serial-counter guest prints 1, 2, 3, ...: the three serial
 * files, each starting where its side's delivery started, are one run's output with nothing lost
 * (each file starts at or before the previous one's end) and nothing invented.
 */
class FtChainedFailoverTest {

    private static final Pattern LOST = Pattern.compile("ft: primary lost after checkpoint \\d+; running as primary");

    @TempDir
    Path dir;

    private String[] run(Path serial, String ft) throws Exception {
        var all = new ArrayList<>(List.of("--bios", RunMachines.guest(dir, "serial-counter.rom").toString(), "-m", "4M",
                "--serial", "file:" + serial, "--pacing", "warp", "--ft", ft));
        return all.toArray(String[]::new);
    }

    @Test
    @Timeout(240)
    void aStandbyThatTookOverIsProtectedByTheNextAndThatOneTakesOverInTurn() throws Exception {
        chain(pw(), ",fencing=none");
    }

    /**
     * The same chain with a witness: A takes over once P's lease ran out and keeps that lease as a
     * primary; B gets it once A's ran out in turn.
     */
    @Test
    @Timeout(240)
    void withAWitnessTheLeasePassesAlongTheChain() throws Exception {
        Path pw = pw();
        try (MigrationPeer witness = MigrationPeer.tern(List.of(), "witness", "--listen", "tcp:127.0.0.1:0",
                "--password-file", pw.toString())) {
            String w = witness.awaitLine(Pattern.compile("ft witness: listening on (\\S+)")).group(1);
            chain(pw, ",witness=" + w);
            assertEquals(2, witness.output().split("granted to standby", -1).length - 1, witness.output());
        }
    }

    private Path pw() throws Exception {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "correct horse\n");
        return pw;
    }

    /** P, then A, then B run the guest; {@code more} are further {@code --ft} keys of all three. */
    private void chain(Path pw, String more) throws Exception {
        String aSock = "unix:" + dir.resolve("a.sock");
        String bSock = "unix:" + dir.resolve("b.sock");
        Path p = dir.resolve("p.log");
        Path a = dir.resolve("a.log");
        Path b = dir.resolve("b.log");
        String common = ",password-file=" + pw + ",timeout=5s" + more;
        try (MigrationPeer standbyA = MigrationPeer.start(run(a,
                "standby,listen=" + aSock + ",reprotect=" + bSock + ",interval=20ms" + common))) {
            standbyA.awaitLine(Pattern.compile("ft: standby waiting for a primary"));
            try (MigrationPeer primary = MigrationPeer.start(run(p, "primary,peer=" + aSock + ",interval=20ms" + common))) {
                primary.awaitLine(Pattern.compile("ft: protected by standby"));
                awaitLines(p, 50, primary);
                primary.kill();
            }
            standbyA.awaitLine(LOST);
            standbyA.awaitLine(Pattern.compile("ft: re-protection: trying " + Pattern.quote(bSock) + " for a standby"));
            // unprotected, A's output is open: it reaches its file without any standby
            awaitLines(a, 50, standbyA);
            try (MigrationPeer standbyB = MigrationPeer.start(run(b,
                    "standby,listen=" + bSock + ",reprotect=" + aSock + common))) {
                standbyB.awaitLine(Pattern.compile("ft: in sync with primary"));
                standbyA.awaitLine(Pattern.compile("ft: protected by standby " + Pattern.quote(bSock)
                        + " \\(full sync: \\d+ pages"));
                awaitLines(a, lines(a) + 100, standbyA); // checkpoints and output commit between A and B
                standbyA.kill();
                standbyB.awaitLine(LOST);
                awaitLines(b, 200, standbyB);
                standbyB.kill();
            }
        }
        String[] files = {Files.readString(p), Files.readString(a), Files.readString(b)};
        String counting = counting(files[0].length() + files[1].length() + files[2].length() + 64);
        assertTrue(counting.startsWith(files[0]), "the primary released output the guest never printed");
        int end = files[0].length();
        for (int i = 1; i < files.length; i++) {
            String f = files[i];
            assertTrue(f.length() > 0, "file " + i + " is empty");
            int from = counting.indexOf(f.substring(0, Math.min(f.length(), 4096)));
            assertTrue(from >= 0, "file " + i + " holds output the guest never printed");
            assertTrue(counting.startsWith(f, from), "file " + i + " is not one run's output");
            assertTrue(from <= end, "output between " + end + " and " + from + " was lost before file " + i);
            end = from + f.length();
        }
    }

    private static long lines(Path file) throws Exception {
        return Files.readString(file).chars().filter(c -> c == '\n').count();
    }

    /** "1\n2\n3\n..." up to at least {@code length} characters. */
    private static String counting(int length) {
        var sb = new StringBuilder();
        for (int n = 1; sb.length() < length; n++) {
            sb.append(n).append('\n');
        }
        return sb.toString();
    }

    private static void awaitLines(Path file, long lines, MigrationPeer peer) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(file) || lines(file) < lines) {
            if (System.nanoTime() > deadline || !peer.process().isAlive()) {
                fail(file.getFileName() + " never reached " + lines + " lines; output:\n" + peer.output());
            }
            TimeUnit.MILLISECONDS.sleep(5); // poll pace: the file grows on another process's thread
        }
    }
}
