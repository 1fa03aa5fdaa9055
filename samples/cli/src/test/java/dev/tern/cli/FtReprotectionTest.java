package dev.tern.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

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
 * Re-protection, three real JVMs: the standby is killed, the primary runs on unprotected and says
 * so; a new standby started later on the same address gets a full sync and
 * protects the guest; when the primary is then killed, the new standby takes over and the serial
 * output (the serial-counter guest prints 1, 2, 3, ...) goes on with nothing lost.
 */
class FtReprotectionTest {

    private static final Pattern WAITING = Pattern.compile("ft: standby waiting for a primary on (\\S+)");
    private static final Pattern PROTECTED = Pattern.compile(
            "ft: protected by standby \\S+ \\(full sync: (\\d+) pages, [0-9.]+ MiB, pause ([0-9.]+) ms[^)]*\\)");

    @TempDir
    Path dir;

    private String[] run(Path serial, String... more) throws Exception {
        var all = new ArrayList<>(List.of("--bios", RunMachines.guest(dir, "serial-counter.rom").toString(), "-m", "4M",
                "--serial", "file:" + serial, "--pacing", "warp"));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    @Timeout(180)
    void aNewStandbyProtectsTheGuestAgainAfterTheFirstOneDied() throws Exception {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "correct horse\n");
        Path a = dir.resolve("a.log");
        Path b = dir.resolve("b2.log");
        String address;
        MigrationPeer standby2;
        try (MigrationPeer standby1 = MigrationPeer.start(run(dir.resolve("b1.log"), "--ft",
                "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none"))) {
            address = standby1.awaitLine(WAITING).group(1);
            try (MigrationPeer primary = MigrationPeer.start(run(a, "--ft",
                    "primary,peer=" + address + ",password-file=" + pw + ",fencing=none,interval=20ms,timeout=5s"))) {
                Matcher first = primary.awaitLine(PROTECTED);
                standby1.kill();
                primary.awaitLine(Pattern.compile("ft: standby lost after checkpoint \\d+ \\(.*\\); running unprotected"));
                standby2 = MigrationPeer.start(run(b, "--ft", "standby,listen=" + address + ",password-file=" + pw + ",fencing=none"));
                try (standby2) {
                    standby2.awaitLine(Pattern.compile("ft: in sync with primary"));
                    Matcher again = secondLine(primary, PROTECTED);
                    assertEquals(first.group(1), again.group(1), "a full sync again: every page");
                    primary.kill();
                    standby2.awaitLine(Pattern.compile("ft: primary lost after checkpoint \\d+; running as primary"));
                    awaitLines(b, 200, standby2);
                    standby2.kill();
                }
            }
        }
        String mine = Files.readString(a);
        String theirs = Files.readString(b);
        String counting = counting(mine.length() + theirs.length() + 64);
        assertTrue(counting.startsWith(mine), "the primary released output the guest never printed");
        int from = counting.indexOf(theirs.substring(0, Math.min(theirs.length(), 4096)));
        assertTrue(from >= 0, "the new standby released output the guest never printed");
        assertTrue(counting.startsWith(theirs, from), "the new standby's output is not one run's");
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

    /** The second line of {@code primary} matching {@code p}. */
    private static Matcher secondLine(MigrationPeer primary, Pattern p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            Matcher last = null;
            int seen = 0;
            for (String l : primary.output().split("\n")) {
                Matcher m = p.matcher(l);
                if (m.find()) {
                    seen++;
                    last = m;
                }
            }
            if (seen >= 2) {
                return last;
            }
            if (!primary.process().isAlive()) {
                break;
            }
            TimeUnit.MILLISECONDS.sleep(10); // poll pace: the peer's lines arrive on their own thread
        }
        fail("the primary was not protected a second time; output:\n" + primary.output());
        return null;
    }

    private static void awaitLines(Path file, int lines, MigrationPeer peer) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (Files.readString(file).chars().filter(c -> c == '\n').count() < lines) {
            if (System.nanoTime() > deadline || !peer.process().isAlive()) {
                fail("the new primary's serial file never reached " + lines + " lines; output:\n" + peer.output());
            }
            TimeUnit.MILLISECONDS.sleep(5); // poll pace
        }
    }
}
