package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.migration.MigrationListener;
import dev.tern.kernel.migration.MigrationSource;
import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationStatus;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.SnapshotStore;
import dev.tern.kernel.vm.VmState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Post-copy between this JVM (the source) and a destination JVM, with the 64 MiB rewriter, which
 * never converges in pre-copy at 100 MiB/s without XBZRLE (MigrationConvergenceTest): switched to
 * post-copy after the first pass, the destination runs the guest at once, fetches what it touches
 * and ends exactly as a run that never moved; losing the source during post-copy loses the guest,
 * which the destination says before exiting with status 2.
 */
class PostcopyMigrationTest {

    /**
     * Where every run stops: far enough that the source is still running when post-copy starts
     * (the rewriter runs at about 25 MIPS and post-copy starts after one pass, near 40 M), and no
     * further, since the destination and the reference run each pay for every instruction.
     */
    static final long LIMIT = 150_000_000L;

    private static String reference;

    @TempDir
    Path dir;

    private final LiveMigrationTest guests = new LiveMigrationTest();

    private List<String> args() throws Exception {
        return List.of("--bios", MigrationConvergenceTest.rewrite64m(dir).toString(), "-m", "96M", "--serial", "none",
                "--pacing", "warp", "--max-instructions", Long.toString(LIMIT));
    }

    /** 100 MiB/s, no XBZRLE: pre-copy alone would never switch over. */
    private static final MigrationConfig POSTCOPY = MigrationConfig.DEFAULT.withCapability("postcopy-ram", true)
            .with("max-bandwidth", "100M");

    /** Switches to post-copy when the first pass is over, and records every status. */
    private static class AfterFirstPass implements MigrationListener {
        final List<MigrationStatus> statuses = new CopyOnWriteArrayList<>();
        MigrationSource migration;

        @Override
        public void changed(MigrationStatus status, MigrationStats stats) {
            statuses.add(status);
        }

        @Override
        public void pass(long pass) {
            if (pass == 1) {
                migration.startPostcopy();
            }
        }
    }

    private String reference(List<String> args) throws Exception {
        if (reference == null) {
            try (Machine m = guests.machine(args)) {
                m.start();
                assertEquals(MachineExit.Reason.INSTRUCTION_LIMIT, m.awaitExit().reason());
                reference = MachineDigest.ram(m);
            }
        }
        return reference;
    }

    @Test
    @Timeout(600)
    void theRewriterMovesInPostcopyAndEndsAsIfNeverMoved() throws Exception {
        List<String> args = args();
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming", "tcp:127.0.0.1:0",
                "--print-digest").toArray(String[]::new));
             Machine source = guests.machine(args)) {
            String address = dest.awaitAddress();
            source.start();
            LiveMigrationTest.runAtLeast(source, 5_000_000); // all 64 MiB touched
            var migration = new MigrationSource(source, MigrationUri.parse(address).connect(guests.plugins), POSTCOPY,
                    guests.plugins);
            var listener = new AfterFirstPass();
            listener.migration = migration;
            migration.addListener(listener);
            MigrationStats stats = migration.run();
            System.out.println("64 MiB rewriter, post-copy after the first pass:\n" + stats.render());
            assertEquals(MigrationStatus.COMPLETED, stats.status(), stats.error() + "\n" + dest.output());
            assertEquals(List.of(MigrationStatus.SETUP, MigrationStatus.ACTIVE, MigrationStatus.DEVICE,
                    MigrationStatus.POSTCOPY_ACTIVE, MigrationStatus.COMPLETED), listener.statuses);
            assertEquals(VmState.POSTMIGRATE, source.lifecycle().state());
            assertTrue(source.vcpus().getFirst().instructionCount() < LIMIT, "the source reached the limit");
            var pc = stats.postcopy();
            assertTrue(pc.missingPages() >= 8192, "the rewriter's pages were still dirty: " + stats.render());
            assertEquals(0, pc.remainingPages(), stats.render());
            assertEquals(pc.missingPages(), pc.requestedPages() + pc.backgroundPages(), stats.render());
            assertTrue(stats.render().contains("Migration status: completed")
                    && stats.render().contains("postcopy request count: " + pc.requests()), stats.render());

            assertEquals(0, dest.awaitExit(), dest.output());
            assertTrue(dest.output().contains("switched over to post-copy") && dest.output().contains("post-copy complete"),
                    dest.output());
            MigrationPeer.Digest end = dest.awaitDigest("stopped");
            assertEquals(LIMIT, end.instructions());
            assertEquals(reference(args), end.ram(), "the guest ended differently from one that never moved");
        }
    }

    /** Something done to the migration's link or to one side. */
    @FunctionalInterface
    private interface Fault {
        void inject() throws Exception;
    }

    /**
     * Migrates {@code source} to {@code uri}, switching to post-copy after the first pass, and
     * injects {@code fault} once {@code dest} says it runs the guest ("switched over to post-copy":
     * before that line COMMIT is on its way, not yet read, and a fault is an ordinary failed
     * migration, not a lost guest).
     */
    private MigrationStats postcopyWith(Machine source, String uri, MigrationPeer dest, Fault fault) throws Exception {
        source.start();
        LiveMigrationTest.runAtLeast(source, 5_000_000);
        var migration = new MigrationSource(source, MigrationUri.parse(uri).connect(guests.plugins), POSTCOPY,
                guests.plugins);
        var listener = new AfterFirstPass() {
            @Override
            public void changed(MigrationStatus status, MigrationStats stats) {
                super.changed(status, stats);
                if (status == MigrationStatus.POSTCOPY_ACTIVE) {
                    try {
                        dest.awaitLine(java.util.regex.Pattern.compile("switched over to post-copy"));
                        fault.inject();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        };
        listener.migration = migration;
        migration.addListener(listener);
        return migration.run();
    }

    /**
     * The connection to the source gone during post-copy (the relay closes both ends once the
     * destination runs the guest, while the source's sender waits): the destination, which already
     * ran the guest, cannot get the pages it lacks; it says the guest is lost and exits 2. The
     * source does not resume it either.
     */
    @Test
    @Timeout(600)
    void losingTheSourceDuringPostcopyLosesTheGuestAndSaysSo() throws Exception {
        List<String> args = args();
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming", "tcp:127.0.0.1:0")
                .toArray(String[]::new));
             Machine source = guests.machine(args);
             PartitionProxy relay = new PartitionProxy(dest.awaitAddress())) {
            MigrationStats stats = postcopyWith(source, relay.uri(), dest, relay::close);
            assertEquals(MigrationStatus.FAILED, stats.status(), stats.render());
            assertTrue(stats.error().contains("cannot be resumed here"), stats.error());
            assertEquals(VmState.POSTMIGRATE, source.lifecycle().state(), "the source must not run the guest again");

            assertEquals(2, dest.awaitExit(), dest.output());
            assertTrue(dest.output().contains("tern: the guest is lost: post-copy from")
                    && dest.output().contains("pages of the guest's RAM still only on the source"), dest.output());
        }
    }

    /**
     * The destination killed (SIGKILL) once it runs the guest in post-copy: the guest's newest
     * state died with it, so the source must not run its stale copy. It fails the migration
     * saying so and stays stopped (QEMU's rule: in post-copy a failure of either side loses the
     * guest; docs/reliability.md, the post-copy rows).
     */
    @Test
    @Timeout(600)
    void aDestinationKilledDuringPostcopyIsNotRunOnTheSource() throws Exception {
        List<String> args = args();
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming", "tcp:127.0.0.1:0")
                .toArray(String[]::new));
             Machine source = guests.machine(args)) {
            MigrationStats stats = postcopyWith(source, dest.awaitAddress(), dest, dest::kill);
            assertEquals(MigrationStatus.FAILED, stats.status(), stats.render());
            assertTrue(stats.error().contains("cannot be resumed here"), stats.error());
            assertEquals(VmState.POSTMIGRATE, source.lifecycle().state(), "the source must not run the guest again");
        }
    }

    /**
     * Post-copy recovery (QEMU's): the relay closed once the destination runs the guest — both
     * sides pause (postcopy-paused), nothing is lost; the destination's {@code migrate_recover}
     * listens, the source resumes on it ({@code resumePostcopy}, the monitor's {@code migrate -r}),
     * the destination lists what it lacks, the rest arrives, and the guest ends exactly as a run
     * that never moved.
     */
    @Test
    @Timeout(600)
    void aCutConnectionPausesBothSidesAndRecovers() throws Exception {
        List<String> args = args();
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming", "tcp:127.0.0.1:0",
                "--monitor", "stdio", "--print-digest").toArray(String[]::new));
             Machine source = guests.machine(args);
             PartitionProxy relay = new PartitionProxy(dest.awaitAddress())) {
            source.start();
            LiveMigrationTest.runAtLeast(source, 5_000_000);
            var migration = new MigrationSource(source, MigrationUri.parse(relay.uri()).connect(guests.plugins),
                    POSTCOPY, guests.plugins);
            migration.allowPostcopyRecovery();
            var paused = new java.util.concurrent.CountDownLatch(1);
            var listener = new AfterFirstPass() {
                private boolean cut;

                @Override
                public void changed(MigrationStatus status, MigrationStats stats) {
                    super.changed(status, stats);
                    if (status == MigrationStatus.POSTCOPY_ACTIVE && !cut) {
                        cut = true;
                        try {
                            dest.awaitLine(java.util.regex.Pattern.compile("switched over to post-copy"));
                            relay.close();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    } else if (status == MigrationStatus.POSTCOPY_PAUSED) {
                        paused.countDown();
                    }
                }
            };
            listener.migration = migration;
            migration.addListener(listener);
            var done = migration.start();
            paused.await();
            assertEquals(VmState.POSTMIGRATE, source.lifecycle().state(), "a paused source never runs the guest");
            dest.awaitLine(java.util.regex.Pattern.compile("MIGRATION status=postcopy-paused"));
            var monitor = new java.io.PrintStream(dest.process().getOutputStream(), true,
                    java.nio.charset.StandardCharsets.UTF_8);
            monitor.println("migrate_recover tcp:127.0.0.1:0");
            String again = dest.awaitLine(java.util.regex.Pattern.compile(
                    "waiting for the source to resume post-copy on (\\S+)")).group(1);
            migration.resumePostcopy(MigrationUri.parse(again).connect(guests.plugins));
            MigrationStats stats = done.get();
            assertEquals(MigrationStatus.COMPLETED, stats.status(), stats.error() + "\n" + dest.output());
            assertEquals(List.of(MigrationStatus.SETUP, MigrationStatus.ACTIVE, MigrationStatus.DEVICE,
                    MigrationStatus.POSTCOPY_ACTIVE, MigrationStatus.POSTCOPY_PAUSED, MigrationStatus.POSTCOPY_RECOVER,
                    MigrationStatus.POSTCOPY_ACTIVE, MigrationStatus.COMPLETED), listener.statuses);
            assertEquals(0, stats.postcopy().remainingPages(), stats.render());
            assertEquals(0, dest.awaitExit(), dest.output()); // the guest reached the instruction limit there
            assertTrue(dest.output().contains("post-copy resumed from") && dest.output().contains("post-copy complete"),
                    dest.output());
            MigrationPeer.Digest end = dest.awaitDigest("stopped");
            assertEquals(LIMIT, end.instructions());
            assertEquals(reference(args), end.ram(), "the guest ended differently from one that never moved");
        }
    }

    /**
     * The source JVM killed (SIGKILL) once the destination runs the guest in post-copy: the
     * destination cannot get the pages only the source held; it says the guest is lost, naming the
     * source, and exits 2 — without recovery nothing else is possible (docs/protocols/migration.md,
     * "Losing the guest").
     */
    @Test
    @Timeout(600)
    void theSourceKilledDuringPostcopyLosesTheGuestAndSaysSo() throws Exception {
        List<String> args = args();
        List<String> endless = new java.util.ArrayList<>(args);
        endless.set(endless.indexOf("--max-instructions") + 1, "0");
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming", "tcp:127.0.0.1:0")
                .toArray(String[]::new));
             MigrationPeer source = MigrationPeer.start(LiveMigrationTest.with(endless, "--monitor", "stdio")
                     .toArray(String[]::new))) {
            String address = dest.awaitAddress();
            var monitor = new java.io.PrintStream(source.process().getOutputStream(), true,
                    java.nio.charset.StandardCharsets.UTF_8);
            monitor.println("migrate_set_capability events on");
            monitor.println("migrate_set_capability postcopy-ram on");
            monitor.println("migrate_set_parameter max-bandwidth 100M");
            monitor.println("migrate -d " + address);
            source.awaitLine(java.util.regex.Pattern.compile("MIGRATION status=active"));
            monitor.println("migrate_start_postcopy");
            dest.awaitLine(java.util.regex.Pattern.compile("switched over to post-copy"));
            source.kill();
            assertEquals(2, dest.awaitExit(), dest.output());
            assertTrue(dest.output().contains("tern: the guest is lost: post-copy from tcp:")
                    && dest.output().contains("pages of the guest's RAM still only on the source"), dest.output());
        }
    }

    /**
     * The same kill, to a destination with a monitor (so recovery is possible): it pauses rather
     * than losing the guest at once, saying the source's connection ended; the source is gone for
     * good, so the operator quits — the guest is then lost, said so, exit 2.
     */
    @Test
    @Timeout(600)
    void theSourceKilledPausesARecoverableDestinationUntilTheOperatorGivesUp() throws Exception {
        List<String> args = args();
        List<String> endless = new java.util.ArrayList<>(args);
        endless.set(endless.indexOf("--max-instructions") + 1, "0");
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming", "tcp:127.0.0.1:0",
                "--monitor", "stdio").toArray(String[]::new));
             MigrationPeer source = MigrationPeer.start(LiveMigrationTest.with(endless, "--monitor", "stdio")
                     .toArray(String[]::new))) {
            String address = dest.awaitAddress();
            var monitor = new java.io.PrintStream(source.process().getOutputStream(), true,
                    java.nio.charset.StandardCharsets.UTF_8);
            monitor.println("migrate_set_capability events on");
            monitor.println("migrate_set_capability postcopy-ram on");
            monitor.println("migrate_set_parameter max-bandwidth 100M");
            monitor.println("migrate -d " + address);
            source.awaitLine(java.util.regex.Pattern.compile("MIGRATION status=active"));
            monitor.println("migrate_start_postcopy");
            dest.awaitLine(java.util.regex.Pattern.compile("switched over to post-copy"));
            source.kill();
            String why = dest.awaitLine(java.util.regex.Pattern.compile("tern: (post-copy from tcp:.* paused .*)"))
                    .group(1);
            assertTrue(why.contains("pages still on the source"), why);
            dest.awaitLine(java.util.regex.Pattern.compile("MIGRATION status=postcopy-paused"));
            new java.io.PrintStream(dest.process().getOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8)
                    .println("quit");
            assertEquals(2, dest.awaitExit(), dest.output());
            assertTrue(dest.output().contains("tern: the guest is lost: post-copy from tcp:")
                    && dest.output().contains("the destination quit while post-copy was paused"), dest.output());
        }
    }

    /**
     * A source that stops talking without closing (the relay stalled once the destination runs
     * the guest): the destination does not wait for its pages forever — the connection's idle
     * timeout ({@code io-timeout}, 30 s unless set) ends post-copy, and it says the guest is lost,
     * naming the timeout; the source, whose reads time out too, fails and stays paused.
     */
    @Test
    @Timeout(600)
    void aSilentSourceTimesOutAndTheDestinationSaysSo() throws Exception {
        List<String> args = args();
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming",
                "tcp:127.0.0.1:0?io-timeout=1s").toArray(String[]::new));
             Machine source = guests.machine(args);
             PartitionProxy relay = new PartitionProxy(dest.awaitAddress())) {
            source.start();
            LiveMigrationTest.runAtLeast(source, 5_000_000);
            var migration = new MigrationSource(source,
                    MigrationUri.parse(relay.uri() + "?io-timeout=1s").connect(guests.plugins), POSTCOPY, guests.plugins);
            var listener = new AfterFirstPass() {
                @Override
                public void changed(MigrationStatus status, MigrationStats stats) {
                    super.changed(status, stats);
                    if (status == MigrationStatus.POSTCOPY_ACTIVE) {
                        try {
                            dest.awaitLine(java.util.regex.Pattern.compile("switched over to post-copy"));
                            relay.stall();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }
            };
            listener.migration = migration;
            migration.addListener(listener);
            MigrationStats stats = migration.run();
            assertEquals(MigrationStatus.FAILED, stats.status(), stats.render());
            assertTrue(stats.error().contains("cannot be resumed here"), stats.error());
            assertEquals(VmState.POSTMIGRATE, source.lifecycle().state(), "the source must not run the guest again");

            assertEquals(2, dest.awaitExit(), dest.output());
            assertTrue(dest.output().contains("tern: the guest is lost: post-copy from")
                    && dest.output().contains("for 1s (idle timeout)"), dest.output());
        }
    }

    /**
     * The silent source again, to a destination with a monitor: the idle timeout moves both sides
     * to postcopy-paused instead of losing the guest; the operator then gives it up on both sides
     * (the source's cancel, the destination's quit).
     */
    @Test
    @Timeout(600)
    void aSilentSourcePausesARecoverableDestination() throws Exception {
        List<String> args = args();
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming",
                "tcp:127.0.0.1:0?io-timeout=1s", "--monitor", "stdio").toArray(String[]::new));
             Machine source = guests.machine(args);
             PartitionProxy relay = new PartitionProxy(dest.awaitAddress())) {
            source.start();
            LiveMigrationTest.runAtLeast(source, 5_000_000);
            var migration = new MigrationSource(source,
                    MigrationUri.parse(relay.uri() + "?io-timeout=1s").connect(guests.plugins), POSTCOPY, guests.plugins);
            migration.allowPostcopyRecovery();
            var paused = new java.util.concurrent.CountDownLatch(1);
            var listener = new AfterFirstPass() {
                @Override
                public void changed(MigrationStatus status, MigrationStats stats) {
                    super.changed(status, stats);
                    if (status == MigrationStatus.POSTCOPY_ACTIVE) {
                        try {
                            dest.awaitLine(java.util.regex.Pattern.compile("switched over to post-copy"));
                            relay.stall();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    } else if (status == MigrationStatus.POSTCOPY_PAUSED) {
                        paused.countDown();
                    }
                }
            };
            listener.migration = migration;
            migration.addListener(listener);
            var done = migration.start();
            String why = dest.awaitLine(java.util.regex.Pattern.compile("tern: (post-copy from .* paused .*)")).group(1);
            assertTrue(why.contains("for 1s (idle timeout)"), why);
            paused.await();
            assertTrue(migration.stats().render().contains("Migration status: postcopy-paused"), migration.stats().render());
            assertTrue(migration.cancel());
            MigrationStats stats = done.get();
            assertEquals(MigrationStatus.FAILED, stats.status(), stats.render());
            assertTrue(stats.error().contains("recovery given up"), stats.error());
            assertEquals(VmState.POSTMIGRATE, source.lifecycle().state(), "the source must not run the guest again");
            new java.io.PrintStream(dest.process().getOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8)
                    .println("quit");
            assertEquals(2, dest.awaitExit(), dest.output());
            assertTrue(dest.output().contains("the destination quit while post-copy was paused"), dest.output());
        }
    }

    /**
     * The monitor's way: {@code migrate_set_capability postcopy-ram on}, {@code migrate -d}, then
     * {@code migrate_start_postcopy}; the MIGRATION events say postcopy-active, then completed, and
     * the dirty-writer guest ends on the destination as one that never moved.
     */
    @Test
    @Timeout(300)
    void theMonitorStartsPostcopy() throws Exception {
        guests.dir = dir;
        List<String> args = guests.guestArgs();
        var events = new java.io.PipedOutputStream();
        var lines = new java.io.BufferedReader(new java.io.InputStreamReader(new java.io.PipedInputStream(events, 1 << 16),
                java.nio.charset.StandardCharsets.UTF_8));
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming", "tcp:127.0.0.1:0",
                "--print-digest").toArray(String[]::new));
             Machine source = guests.machine(args)) {
            String address = dest.awaitAddress();
            var mon = new Monitor(source, new SnapshotStore(dir));
            new MigrationCommands(source, guests.plugins, new java.io.PrintStream(events, true,
                    java.nio.charset.StandardCharsets.UTF_8)).registerOn(mon);
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            assertTrue(mon.execute("migrate_start_postcopy").contains("no migration is running"));
            assertEquals("", mon.execute("migrate_set_capability events on"));
            assertEquals("", mon.execute("migrate_set_capability postcopy-ram on"));
            assertTrue(mon.execute("info migrate_capabilities").contains("postcopy-ram: on"));
            // 4 MiB at 8 MiB/s: the first pass alone takes half a second, so pre-copy is under way
            assertEquals("", mon.execute("migrate_set_parameter max-bandwidth 8M"));
            assertEquals("", mon.execute("migrate -d " + address));
            assertEquals("", mon.execute("migrate_start_postcopy"));
            List<String> statuses = new java.util.ArrayList<>();
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                var m = java.util.regex.Pattern.compile("status=(\\S+)").matcher(line);
                if (m.find()) {
                    statuses.add(m.group(1));
                    if (m.group(1).equals("completed") || m.group(1).equals("failed")) {
                        break;
                    }
                }
            }
            String info = mon.execute("info migrate");
            System.out.println(info);
            assertEquals(List.of("setup", "active", "device", "postcopy-active", "completed"), statuses, info);
            assertTrue(info.contains("Migration status: completed") && info.contains("postcopy missing pages: ")
                    && info.contains("postcopy request latency: "), info);
            assertEquals("VM status: postmigrate\n", mon.execute("info status"));
            assertTrue(mon.execute("migrate_start_postcopy").contains("no migration is running"));
            assertEquals(0, dest.awaitExit(), dest.output());
            MigrationPeer.Digest end = dest.awaitDigest("stopped");
            assertEquals(LiveMigrationTest.LIMIT, end.instructions());
            assertEquals(guests.reference(), end.ram(), "the guest ended differently from one that never moved");
        }
    }
}
