package dev.tern.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fencing with a shared lease file ({@code lease=file:PATH}) instead of a witness: a primary and a
 * standby in JVMs of their own lock the same file; the test's {@link PartitionProxy} cuts the link
 * between them. Whatever happens, exactly one side runs the guest on.
 */
class FtFileLeaseTest {

    private static final Pattern WAITING = Pattern.compile("ft: standby waiting for a primary on (\\S+)");
    private static final Pattern RUNS = Pattern.compile("ft: primary lost after checkpoint (\\d+); running as primary");
    private static final Pattern RECORD = Pattern.compile(
            "tern-ft-lease 2 epoch=(\\d+) holder=[0-9a-f]{16} role=(primary|standby) state=(held|ended|released)"
                    + " renewal=\\d+ live=(yes|no)\n");

    @TempDir
    Path dir;
    private FtCounterGuest counter;

    @BeforeEach
    void counterGuest() {
        counter = new FtCounterGuest(dir);
    }

    private Matcher record(Path lease) throws Exception {
        Matcher m = RECORD.matcher(Files.readString(lease, StandardCharsets.US_ASCII));
        assertTrue(m.matches(), "not a lease record: " + Files.readString(lease));
        return m;
    }

    /**
     * The primary is killed: the kernel drops its lock with the process, the standby takes the
     * lease, runs the guest on, and the shared serial file is one run's output; the record names
     * the standby as the second holder.
     */
    @Test
    @Timeout(180)
    void aKilledPrimarysLockIsFreeAndTheStandbyTakesOver() throws Exception {
        Path pw = counter.password();
        Path lease = dir.resolve("ft.lease");
        Path shared = dir.resolve("serial.log");
        try (MigrationPeer standby = MigrationPeer.start(counter.withFt(shared,
                "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",lease=file:" + lease))) {
            String address = standby.awaitLine(WAITING).group(1);
            try (MigrationPeer primary = MigrationPeer.start(counter.withFt(shared, "primary,peer=" + address
                    + ",password-file=" + pw + ",interval=20ms,timeout=3s,lease=file:" + lease))) {
                primary.awaitLine(Pattern.compile("ft: lease granted by the lease file " + Pattern.quote(lease.toString())));
                primary.awaitLine(Pattern.compile("ft: protected by standby"));
                Matcher held = record(lease);
                assertEquals("1", held.group(1));
                assertEquals("primary", held.group(2));
                primary.kill();
            }
            standby.awaitLine(RUNS);
            assertEquals(0, standby.awaitExit(), standby.output());
        }
        assertEquals(counter.reference(), Files.readString(shared), "one run's output, nothing lost or twice");
        Matcher after = record(lease);
        assertEquals("2", after.group(1));
        assertEquals("standby", after.group(2));
    }

    /**
     * The link between primary and standby is cut: each believes the other dead, but the primary
     * holds the file's lock, so the standby never runs — it ends with status 3, or with 0 if the
     * guest had already ended at the primary (the record says so) — and the primary's output is
     * the whole run.
     */
    @Test
    @Timeout(180)
    void cutFromEachOtherThePrimaryHoldsTheLockAndTheStandbyNeverRuns() throws Exception {
        Path pw = counter.password();
        Path lease = dir.resolve("ft.lease");
        try (MigrationPeer standby = MigrationPeer.start(counter.withFt(dir.resolve("b.log"),
                "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",lease=file:" + lease))) {
            String address = standby.awaitLine(WAITING).group(1);
            try (PartitionProxy link = new PartitionProxy(address);
                    MigrationPeer primary = MigrationPeer.start(counter.withFt(dir.resolve("a.log"), "primary,peer=" + link.uri()
                            + ",password-file=" + pw + ",interval=20ms,timeout=3s,lease=file:" + lease))) {
                primary.awaitLine(Pattern.compile("ft: protected by standby"));
                link.cut();
                primary.awaitLine(Pattern.compile("ft: standby lost after checkpoint \\d+ \\(.*\\); running unprotected"));
                var fenced = standby.awaitLine(Pattern.compile("ft: not taking over after checkpoint \\d+: (the primary"
                        + " still holds the lease on the lease file .*|the guest ended at the primary \\(the lease file"
                        + " says so\\)); the standby ends without running the guest"));
                assertEquals(fenced.group(1).startsWith("the guest ended") ? 0 : 3, standby.awaitExit(), standby.output());
                assertEquals(0, primary.awaitExit(), primary.output()); // ran on to the limit
                assertFalse(standby.output().contains("running as primary"), standby.output());
            }
        }
        assertEquals(counter.reference(), Files.readString(dir.resolve("a.log")), "the primary's output is the whole run");
        Matcher end = record(lease);
        assertEquals("primary", end.group(2));
        assertEquals("ended", end.group(3));
    }

    /**
     * The primary is stalled (SIGSTOP) with its process, and so its liveness lock, alive: its
     * record stays unchanged, and a lease after the standby noticed the silence it takes the lease
     * and runs on. SIGCONT: the old primary finds its lease gone (its validity ran out on its own
     * clock, and the record names the standby), stops its guest and emits nothing more — its
     * serial file is as it was when it stalled — and the two files are one run, nothing lost.
     */
    @Test
    @Timeout(180)
    void aStalledPrimarysLeaseRunsOutAndItWakesToFindItGone() throws Exception {
        Path pw = counter.password();
        Path lease = dir.resolve("ft.lease");
        Path a = dir.resolve("a.log");
        Path b = dir.resolve("b.log");
        try (MigrationPeer standby = MigrationPeer.start(counter.withFt(b,
                "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",lease=file:" + lease))) {
            String address = standby.awaitLine(WAITING).group(1);
            try (MigrationPeer primary = MigrationPeer.start(counter.withFt(a, "primary,peer=" + address
                    + ",password-file=" + pw + ",interval=20ms,timeout=2s,lease=file:" + lease))) {
                primary.awaitLine(Pattern.compile("ft: protected by standby"));
                FtFencingTest.signal("STOP", primary);
                String atStall = Files.readString(a); // a stopped process writes nothing
                standby.awaitLine(RUNS);
                Matcher taken = record(lease);
                assertEquals("standby", taken.group(2));
                assertEquals("no", taken.group(4), "the stalled primary's process still holds the liveness lock");
                FtFencingTest.signal("CONT", primary);
                primary.awaitLine(Pattern.compile("ft: lease lost \\((no renewal of the lease file .* completed for \\d+ ms"
                        + "|cannot keep the lease file .*: the record names another holder .*)\\); stopping the guest"));
                primary.awaitExit();
                assertEquals(atStall, Files.readString(a), "the woken primary emitted output after the standby took over");
                assertEquals(0, standby.awaitExit(), standby.output()); // ran on to the limit
            }
        }
        String expected = counter.reference();
        String mine = Files.readString(a);
        assertTrue(expected.startsWith(mine), "the stalled primary released output the run never printed");
        assertTrue(expected.endsWith(Files.readString(b)), "the standby released output the run never printed");
        assertTrue(mine.length() + Files.readString(b).length() >= expected.length(), "output was lost");
        Matcher end = record(lease);
        assertEquals("2", end.group(1));
        assertEquals("standby", end.group(2));
    }
}
