package dev.tern.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fencing with a witness, four real JVMs' worth of parts: a {@code tern witness}, a standby, a
 * primary, and {@link PartitionProxy} relays (in the test's JVM, real sockets) that the test cuts
 * to partition the network. Whatever is cut, exactly one side runs the guest on.
 */
class FtFencingTest {

    private static final Pattern WAITING = Pattern.compile("ft: standby waiting for a primary on (\\S+)");
    private static final Pattern WITNESS = Pattern.compile("ft witness: listening on (\\S+)");
    private static final Pattern RUNS = Pattern.compile("ft: primary lost after checkpoint (\\d+); running as primary");

    @TempDir
    Path dir;
    private FtCounterGuest counter;

    @BeforeEach
    void counterGuest() {
        counter = new FtCounterGuest(dir);
    }

    private MigrationPeer witness(Path pw) throws Exception {
        return MigrationPeer.tern(List.of(), "witness", "--listen", "tcp:127.0.0.1:0", "--password-file", pw.toString());
    }

    /**
     * Fencing is never the default: {@code --ft} with none of witness=, lease= and fencing=none ends
     * {@code tern run} with status 2 naming the three keys, before any machine runs; a standby that
     * names {@code fencing=none} says so when it starts, and its handshake compares the fencing
     * kind with its primary's, which here has a witness: both print the mismatch.
     */
    @Test
    @Timeout(120)
    void anUnfencedPairMustBeAskedForAndBothSidesFenceAlike() throws Exception {
        Path pw = counter.password();
        var args = new java.util.ArrayList<>(List.of("run"));
        args.addAll(List.of(counter.withFt(dir.resolve("a.log"), "primary,peer=tcp:127.0.0.1:1,password-file=" + pw)));
        var refused = RecordReplayCliTest.cli(args.toArray(String[]::new));
        assertEquals(2, refused.status(), refused.err());
        assertTrue(refused.err().contains("--ft: no fencing: give witness=URI (a tern witness) or lease=file:PATH (a file"
                + " both sides lock) on both sides, or fencing=none to accept that a partition can make both sides run"
                + " the guest"), refused.err());
        try (MigrationPeer witness = witness(pw);
             MigrationPeer standby = MigrationPeer.start(counter.withFt(dir.resolve("b.log"),
                     "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none"))) {
            String w = witness.awaitLine(WITNESS).group(1);
            String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+) \\(fencing:"
                    + " none \\(fencing=none: a partition can make both sides run the guest\\)\\)")).group(1);
            try (MigrationPeer primary = MigrationPeer.start(counter.withFt(dir.resolve("a.log"), "primary,peer="
                    + address + ",password-file=" + pw + ",interval=20ms,timeout=5s,witness=" + w))) {
                primary.awaitLine(Pattern.compile(Pattern.quote("ft: primary for the standby " + address
                        + "; fencing: the witness " + w)));
                String why = "configuration mismatch: primary has 'fencing: witness', standby has 'fencing: none'";
                primary.awaitLine(Pattern.compile(Pattern.quote(why)));
                standby.awaitLine(Pattern.compile(Pattern.quote(why)));
                primary.awaitLine(Pattern.compile("ft: no standby \\(the standby refused: .*\\); running unprotected"));
                assertFalse(standby.output().contains("running as primary"), standby.output());
            }
        }
    }

    /**
     * Partition 1, then the guest ends at the primary before the standby's heartbeat timeout: the
     * primary tells the witness, so the standby — never told over the cut link — must not bring the
     * finished guest back to life when its timeout comes.
     */
    @Test
    @Timeout(180)
    void aGuestThatEndedWhileCutOffIsNeverRunAgainByTheStandby() throws Exception {
        cutFromEachOther("30s", (witness, standby, primary) -> {
            assertEquals(0, primary.awaitExit(), primary.output()); // ran on to the limit, long before 30 s
            witness.awaitLine(Pattern.compile("ft witness: lease ended by"));
            standby.awaitLine(Pattern.compile("ft: not taking over after checkpoint \\d+: the guest ended at the"
                    + " primary \\(the witness says so\\); the standby ends without running the guest"));
            assertEquals(0, standby.awaitExit(), standby.output());
        });
    }

    /**
     * Partition 1: the link between primary and standby is cut, both still reach the witness. The
     * primary renews its lease and runs on unprotected; the standby, lacking the lease, never runs.
     */
    @Test
    @Timeout(180)
    void cutFromEachOtherThePrimaryKeepsTheLeaseAndTheStandbyNeverRuns() throws Exception {
        cutFromEachOther("3s", (witness, standby, primary) -> {
            primary.awaitLine(Pattern.compile("ft: standby lost after checkpoint \\d+ \\(.*\\); running unprotected"));
            // Either the primary still runs when the standby asks (it holds the lease), or its guest
            // has already ended (it told the witness so): both ways the standby must not run.
            var fenced = standby.awaitLine(Pattern.compile("ft: not taking over after checkpoint \\d+: (the primary"
                    + " still holds the lease at the witness|the guest ended at the primary \\(the witness says"
                    + " so\\)); the standby ends without running the guest"));
            assertEquals(fenced.group(1).startsWith("the guest ended") ? 0 : 3, standby.awaitExit(), standby.output());
            assertEquals(0, primary.awaitExit(), primary.output()); // ran on to the limit
        });
    }

    /** What a partition-1 test checks once the protected pair's link is cut. */
    @FunctionalInterface
    private interface AfterTheCut {
        void check(MigrationPeer witness, MigrationPeer standby, MigrationPeer primary) throws Exception;
    }

    /**
     * Partition 1 with heartbeat timeout {@code timeout}: a witness, a standby, and a primary reaching
     * the standby through a proxy that is cut once the pair is protected; then {@code after}. Both
     * ways, the standby never runs the guest and the primary's output is the whole run.
     */
    private void cutFromEachOther(String timeout, AfterTheCut after) throws Exception {
        Path pw = counter.password();
        try (MigrationPeer witness = witness(pw)) {
            String w = witness.awaitLine(WITNESS).group(1);
            try (MigrationPeer standby = MigrationPeer.start(counter.withFt(dir.resolve("b.log"),
                    "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",witness=" + w))) {
                String address = standby.awaitLine(WAITING).group(1);
                try (PartitionProxy link = new PartitionProxy(address);
                        MigrationPeer primary = MigrationPeer.start(counter.withFt(dir.resolve("a.log"), "primary,peer=" + link.uri()
                                + ",password-file=" + pw + ",interval=20ms,timeout=" + timeout + ",witness=" + w))) {
                    primary.awaitLine(Pattern.compile("ft: protected by standby"));
                    link.cut();
                    after.check(witness, standby, primary);
                    assertFalse(standby.output().contains("running as primary"), standby.output());
                }
            }
        }
        assertEquals(counter.reference(), Files.readString(dir.resolve("a.log")), "the primary's output is the whole run");
    }

    /**
     * Partition 2: the primary is cut from the standby and from the witness. Its lease runs out, so
     * it stops its guest; the standby gets the lease once it ran out at the witness and runs on.
     */
    @Test
    @Timeout(180)
    void anIsolatedPrimaryStopsItsGuestAndTheStandbyTakesOver() throws Exception {
        primaryCutFromTheWitness(true);
    }

    /**
     * Partition P–W only: the primary still reaches its standby but not the witness. Its lease
     * runs out, so it stops its guest and closes the standby's connection; the standby gets the
     * lease once it ran out at the witness and runs on.
     */
    @Test
    @Timeout(180)
    void aPrimaryCutFromTheWitnessOnlyStopsAndTheStandbyTakesOver() throws Exception {
        primaryCutFromTheWitness(false);
    }

    /**
     * The primary cut from the witness (and, with {@code fromStandbyToo}, from the standby): it
     * stops its guest, the standby takes over; the two serial files are one run with nothing lost.
     */
    private void primaryCutFromTheWitness(boolean fromStandbyToo) throws Exception {
        Path pw = counter.password();
        Path a = dir.resolve("a.log");
        Path b = dir.resolve("b.log");
        try (MigrationPeer witness = witness(pw)) {
            String w = witness.awaitLine(WITNESS).group(1);
            try (MigrationPeer standby = MigrationPeer.start(counter.withFt(b,
                    "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",witness=" + w))) {
                String address = standby.awaitLine(WAITING).group(1);
                try (PartitionProxy link = new PartitionProxy(address);
                        PartitionProxy toWitness = new PartitionProxy(w);
                        MigrationPeer primary = MigrationPeer.start(counter.withFt(a, "primary,peer=" + link.uri()
                                + ",password-file=" + pw + ",interval=20ms,timeout=3s,witness=" + toWitness.uri()))) {
                    primary.awaitLine(Pattern.compile("ft: protected by standby"));
                    if (fromStandbyToo) {
                        link.cut();
                    }
                    toWitness.cut();
                    primary.awaitLine(Pattern.compile("ft: lease lost \\(not renewed at the witness .*\\); stopping the guest"));
                    primary.awaitExit();
                    standby.awaitLine(RUNS);
                    assertEquals(0, standby.awaitExit(), standby.output()); // ran on to the limit
                }
            }
            assertTrue(witness.output().contains("granted to standby"), witness.output());
        }
        FtLinkStallTest.assertOneRun(counter.reference(), a, b);
    }

    /**
     * Partition S from both P and W: the primary keeps its lease and runs on unprotected; the
     * standby, which cannot reach the witness for two leases, ends without running (status 3).
     */
    @Test
    @Timeout(180)
    void aStandbyCutFromBothEndsFencedAndThePrimaryRunsOn() throws Exception {
        Path pw = counter.password();
        try (MigrationPeer witness = witness(pw)) {
            String w = witness.awaitLine(WITNESS).group(1);
            try (PartitionProxy standbyToWitness = new PartitionProxy(w);
                    MigrationPeer standby = MigrationPeer.start(counter.withFt(dir.resolve("b.log"), "standby,listen=tcp:127.0.0.1:0,"
                            + "password-file=" + pw + ",witness=" + standbyToWitness.uri()))) {
                String address = standby.awaitLine(WAITING).group(1);
                try (PartitionProxy link = new PartitionProxy(address);
                        MigrationPeer primary = MigrationPeer.start(counter.withFt(dir.resolve("a.log"), "primary,peer=" + link.uri()
                                + ",password-file=" + pw + ",interval=20ms,timeout=3s,witness=" + w))) {
                    primary.awaitLine(Pattern.compile("ft: protected by standby"));
                    link.cut();
                    standbyToWitness.cut();
                    primary.awaitLine(Pattern.compile("ft: standby lost after checkpoint \\d+ \\(.*\\); running unprotected"));
                    standby.awaitLine(Pattern.compile("ft: not taking over after checkpoint \\d+: the witness \\S+ is"
                            + " unreachable; the standby ends without running the guest"));
                    assertEquals(3, standby.awaitExit(), standby.output());
                    assertEquals(0, primary.awaitExit(), primary.output()); // ran on to the limit
                    assertFalse(standby.output().contains("running as primary"), standby.output());
                }
            }
        }
        assertEquals(counter.reference(), Files.readString(dir.resolve("a.log")), "the primary's output is the whole run");
    }

    /**
     * Partition W only: neither side reaches the witness. The primary's lease runs out and it stops
     * its guest (dropping the output it held); the standby sees its connection close, cannot get
     * the lease and ends (status 3): the guest runs nowhere, and no output from beyond what the
     * standby held escaped.
     */
    @Test
    @Timeout(180)
    void withTheWitnessCutOffNeitherSideRuns() throws Exception {
        Path pw = counter.password();
        Path a = dir.resolve("a.log");
        try (MigrationPeer witness = witness(pw); PartitionProxy toWitness = new PartitionProxy(
                witness.awaitLine(WITNESS).group(1))) {
            try (MigrationPeer standby = MigrationPeer.start(counter.withFt(dir.resolve("b.log"), "standby,listen=tcp:127.0.0.1:0,"
                    + "password-file=" + pw + ",witness=" + toWitness.uri()))) {
                String address = standby.awaitLine(WAITING).group(1);
                try (MigrationPeer primary = MigrationPeer.start(counter.withFt(a, "primary,peer=" + address + ",password-file=" + pw
                        + ",interval=20ms,timeout=3s,witness=" + toWitness.uri()))) {
                    primary.awaitLine(Pattern.compile("ft: protected by standby"));
                    toWitness.cut();
                    primary.awaitLine(Pattern.compile("ft: lease lost \\(not renewed at the witness .*\\); stopping the guest"));
                    primary.awaitExit();
                    standby.awaitLine(Pattern.compile("ft: not taking over after checkpoint \\d+: the witness \\S+ is"
                            + " unreachable; the standby ends without running the guest"));
                    assertEquals(3, standby.awaitExit(), standby.output());
                    assertFalse(standby.output().contains("running as primary"), standby.output());
                }
            }
        }
        assertTrue(counter.reference().startsWith(Files.readString(a)), "the fenced primary released output the run never printed");
    }

    /**
     * P stalled (SIGSTOP) longer than the lease: its heartbeats and renewals stop, the standby is
     * granted the lease once it ran out at the witness and runs on. SIGCONT: the old primary's
     * watchdog finds its lease run out, it stops its guest and emits nothing more — its serial
     * file is as it was when it stalled — and the two files are one run with nothing lost.
     */
    @Test
    @Timeout(180)
    void aStalledPrimaryWakesToFindItsLeaseGoneAndStopsWithoutOutput() throws Exception {
        Path pw = counter.password();
        Path a = dir.resolve("a.log");
        Path b = dir.resolve("b.log");
        try (MigrationPeer witness = witness(pw)) {
            String w = witness.awaitLine(WITNESS).group(1);
            try (MigrationPeer standby = MigrationPeer.start(counter.withFt(b,
                    "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",witness=" + w))) {
                String address = standby.awaitLine(WAITING).group(1);
                try (MigrationPeer primary = MigrationPeer.start(counter.withFt(a, "primary,peer=" + address
                        + ",password-file=" + pw + ",interval=20ms,timeout=3s,witness=" + w))) {
                    primary.awaitLine(Pattern.compile("ft: protected by standby"));
                    signal("STOP", primary);
                    String atStall = Files.readString(a); // a stopped process writes nothing
                    standby.awaitLine(RUNS);
                    signal("CONT", primary);
                    primary.awaitLine(Pattern.compile("ft: lease lost \\(not renewed at the witness .*\\); stopping the guest"));
                    primary.awaitExit();
                    assertEquals(atStall, Files.readString(a), "the woken primary emitted output after the standby took over");
                    assertEquals(0, standby.awaitExit(), standby.output()); // ran on to the limit
                }
            }
            assertTrue(witness.output().contains("granted to standby"), witness.output());
        }
        String expected = counter.reference();
        String mine = Files.readString(a);
        assertTrue(expected.startsWith(mine), "the stalled primary released output the run never printed");
        assertTrue(expected.endsWith(Files.readString(b)), "the standby released output the run never printed");
        assertTrue(mine.length() + Files.readString(b).length() >= expected.length(), "output was lost");
    }

    /** Sends signal {@code name}; for STOP, returns once the kernel shows the process stopped (bounded). */
    static void signal(String name, MigrationPeer peer) throws Exception {
        long pid = peer.process().pid();
        assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start().waitFor());
        Path stat = Path.of("/proc/" + pid + "/stat");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (name.equals("STOP") && !stoppedState(Files.readString(stat))) {
            assertTrue(System.nanoTime() < deadline, "process " + pid + " did not stop: " + Files.readString(stat));
            Thread.onSpinWait(); // the group stop is the kernel's; nothing to wait on but its state
        }
    }

    /** The state letter of a /proc/PID/stat line (after the parenthesised command name) is T. */
    private static boolean stoppedState(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
    }

    /** A killed primary's lease runs out at the witness; the standby takes it and runs on. */
    @Test
    @Timeout(180)
    void aKilledPrimarysLeaseRunsOutAndTheStandbyTakesOver() throws Exception {
        Path pw = counter.password();
        Path shared = dir.resolve("serial.log");
        try (MigrationPeer witness = witness(pw)) {
            String w = witness.awaitLine(WITNESS).group(1);
            try (MigrationPeer standby = MigrationPeer.start(counter.withFt(shared,
                    "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",witness=" + w))) {
                String address = standby.awaitLine(WAITING).group(1);
                try (MigrationPeer primary = MigrationPeer.start(counter.withFt(shared, "primary,peer=" + address
                        + ",password-file=" + pw + ",interval=20ms,timeout=3s,witness=" + w))) {
                    primary.awaitLine(Pattern.compile("ft: protected by standby"));
                    primary.kill();
                }
                standby.awaitLine(RUNS);
                assertEquals(0, standby.awaitExit(), standby.output());
            }
        }
        assertEquals(counter.reference(), Files.readString(shared), "one run's output, nothing lost or twice");
    }
}
