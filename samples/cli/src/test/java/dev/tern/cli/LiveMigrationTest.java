package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.migration.MigrationSource;
import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationStatus;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.vm.VmState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Live migration between two JVMs: this test's JVM is the source (a machine assembled exactly as
 * {@code tern run} assembles it), a child {@code tern run --incoming} the destination. The guests
 * are deterministic under warp pacing, so a run cut by a migration must end in the same state as a
 * run that never migrated, at the same instruction count.
 */
class LiveMigrationTest {

    /** Where every run of the dirty-writer stops; the migration must switch over well before. */
    static final long LIMIT = 150_000_000;

    private static final Map<String, String> REFERENCE = new ConcurrentHashMap<>();

    @TempDir
    Path dir;

    final PluginRegistry plugins = PluginRegistry.discover(getClass().getClassLoader(), List.of());

    Path dirtyWriter() throws Exception {
        Path rom = dir.resolve("dirty-writer.rom");
        try (InputStream in = getClass().getResourceAsStream("/guests/dirty-writer.rom")) {
            assertNotNull(in, "dirty-writer.rom");
            Files.write(rom, in.readAllBytes());
        }
        return rom;
    }

    List<String> guestArgs() throws Exception {
        return List.of("--bios", dirtyWriter().toString(), "-m", "4M", "--serial", "none", "--pacing", "warp",
                "--max-instructions", Long.toString(LIMIT));
    }

    /** A machine built from {@code tern run} options, as the child builds its own. */
    Machine machine(List<String> args) throws Exception {
        var cmd = new RunCommand();
        new CommandLine(cmd).parseArgs(args.toArray(String[]::new));
        byte[] firmware = cmd.bios == null ? RunCommand.demoRom() : Files.readAllBytes(cmd.bios);
        return Machine.create(plugins, cmd.spec(firmware));
    }

    /** RAM digest of the dirty-writer run to {@link #LIMIT} with no migration. */
    String reference() throws Exception {
        String known = REFERENCE.get("dirty-writer");
        if (known != null) {
            return known;
        }
        try (Machine m = machine(guestArgs())) {
            m.start();
            assertEquals(MachineExit.Reason.INSTRUCTION_LIMIT, m.awaitExit().reason());
            String d = MachineDigest.ram(m);
            REFERENCE.put("dirty-writer", d);
            return d;
        }
    }

    static void runAtLeast(Machine m, long instructions) {
        for (long spins = 0; m.vcpus().getFirst().instructionCount() < instructions; spins++) {
            if (spins > 4_000_000_000L) {
                fail("the guest stopped making progress");
            }
            Thread.onSpinWait();
        }
    }

    /** Where a destination of {@code transport} listens: any free port, or a socket in {@code dir}. */
    static String listenAddress(String transport, Path dir) {
        return switch (transport) {
            case "tcp" -> "tcp:127.0.0.1:0";
            case "unix" -> "unix:" + dir.resolve("m.sock");
            case "shm" -> "shm:unix:" + dir.resolve("m.sock");
            default -> throw new IllegalArgumentException("no test address for transport " + transport);
        };
    }

    /**
     * The engine switched over after the first round at which its {@link dev.tern.kernel.migration.SwitchOverRule}
     * said so (never at an estimate over the limit), and each estimate is what its recorded inputs give
     * ({@link dev.tern.kernel.migration.DowntimeEstimate}).
     */
    static void assertSwitchOverFollowedTheEstimates(MigrationSource migration, MigrationStats stats,
            long limitMs) {
        var estimates = migration.estimates();
        assertFalse(estimates.isEmpty(), stats.render());
        // the pause sent at least the device state, and no more than the whole migration did
        assertTrue(stats.pauseBytes() > 0 && stats.pauseBytes() <= stats.ramTransferred(), stats.render());
        for (int i = 0; i < estimates.size(); i++) {
            var e = estimates.get(i);
            assertEquals(i + 1, e.round());
            boolean last = i == estimates.size() - 1;
            assertEquals(last, migration.switchOverRule().switchNow(estimates.subList(0, i + 1)),
                    "round " + e.round() + ": " + estimates.subList(0, i + 1) + " with limit " + limitMs);
            if (last) {
                assertTrue(e.fits(limitMs), e + " over the limit " + limitMs);
            }
            assertEquals(e.transferMs() == Long.MAX_VALUE ? Long.MAX_VALUE : e.transferMs() + e.applyMs(), e.millis());
        }
        assertEquals(estimates.getLast().millis(), stats.expectedDowntimeMs(), stats.render());
        assertEquals(estimates.getLast().applyMs(), stats.expectedApplyMs(), stats.render());
        assertEquals(estimates.size(), stats.rounds());
    }

    static List<String> with(List<String> base, String... more) {
        var l = new ArrayList<>(base);
        l.addAll(List.of(more));
        return l;
    }

    @ParameterizedTest(name = "{0} xbzrle={1} compression={2}")
    @CsvSource({"tcp,off,none", "tcp,on,none", "tcp,off,lz4", "unix,on,lz4", "shm,off,none"})
    @Timeout(300)
    void runningGuestMigratesAndFinishesAsIfNeverMoved(String transport, String xbzrle, String compression)
            throws Exception {
        String listen = listenAddress(transport, dir);
        List<String> args = guestArgs();
        try (MigrationPeer dest = MigrationPeer.start(with(args, "--incoming", listen, "--print-digest")
                .toArray(String[]::new));
             Machine source = machine(args)) {
            String address = dest.awaitAddress();
            source.start();
            runAtLeast(source, 2_000_000);
            var config = MigrationConfig.DEFAULT.withCapability("xbzrle", xbzrle.equals("on"))
                    .with("compression", compression).with("max-bandwidth", "64M");
            var migration = new MigrationSource(source, MigrationUri.parse(address).connect(plugins), config, plugins);
            var bar = new java.io.ByteArrayOutputStream();
            migration.showProgress(new ProgressBar(new java.io.PrintStream(bar, true, java.nio.charset.StandardCharsets.UTF_8),
                    "migrate", System::nanoTime, 0));
            MigrationStats stats = migration.run();
            assertEquals(MigrationStatus.COMPLETED, stats.status(), stats.error() + "\n" + dest.output());
            assertSwitchOverFollowedTheEstimates(migration, stats, config.downtimeLimitMs());
            String drawn = bar.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(drawn.contains("migrate  [") && drawn.contains("%") && drawn.contains("MB/s")
                    && drawn.contains("dirty ") && drawn.contains("completed, downtime"), drawn);
            assertEquals(transport.equals("shm"), stats.oneSided(), stats.render());
            System.out.println("migration over " + transport + ", xbzrle " + xbzrle + ", compression " + compression
                    + ":\n" + stats.render());
            assertEquals(VmState.POSTMIGRATE, source.lifecycle().state());
            assertTrue(stats.dirtySyncCount() >= 2, stats.render());
            if (xbzrle.equals("on") && !stats.oneSided()) {
                assertTrue(stats.codec("xbzrle").containsKey("cache-miss"), stats.render());
            }
            if (compression.equals("lz4") && !stats.oneSided()) {
                assertTrue(stats.codec("lz4").getOrDefault("pages", 0L) > 0, stats.render());
            }
            long atSwitch = source.vcpus().getFirst().instructionCount();
            assertTrue(atSwitch < LIMIT, "the source reached the limit before switching over");

            MigrationPeer.Digest received = dest.awaitDigest("incoming migration complete");
            assertEquals(atSwitch, received.instructions());
            assertEquals(MachineDigest.ram(source), received.ram(), "RAM differs at switch-over");
            assertEquals(MachineDigest.full(source), received.state(), "machine state differs at switch-over");

            assertEquals(0, dest.awaitExit(), dest.output());
            MigrationPeer.Digest end = dest.awaitDigest("stopped");
            assertEquals(LIMIT, end.instructions());
            assertEquals(reference(), end.ram(), "the migrated guest ended differently from one that never moved");
        }
    }

    @Test
    @Timeout(300)
    void autoConvergeThrottlesAGuestThatOutrunsTheLinkAndStillMigratesExactly() throws Exception {
        List<String> args = guestArgs();
        try (MigrationPeer dest = MigrationPeer.start(with(args, "--incoming", "tcp:127.0.0.1:0", "--print-digest")
                .toArray(String[]::new));
             Machine source = machine(args)) {
            String address = dest.awaitAddress();
            source.start();
            runAtLeast(source, 2_000_000);
            // The dirty-writer rewrites its 128 pages faster than 4 MB/s can carry them within 100 ms
            // (131 ms of wire alone).
            var config = MigrationConfig.DEFAULT.withCapability("auto-converge", true).with("max-bandwidth", "4M")
                    .with("downtime-limit", "100").with("timeout", "120000");
            var migration = new MigrationSource(source, MigrationUri.parse(address).connect(plugins), config, plugins);
            var done = migration.start();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (migration.stats().cpuThrottlePercentage() < 50) {
                assertTrue(System.nanoTime() < deadline && !done.isDone(), "never throttled: "
                        + migration.stats().render());
                try {
                    done.get(5, java.util.concurrent.TimeUnit.MILLISECONDS); // a bounded poll
                } catch (java.util.concurrent.TimeoutException stillRunning) {
                    // poll again
                }
            }
            // Throttled hard, the guest dirties little per round once the link is fast.
            migration.setMaxBandwidth(0);
            MigrationStats stats = done.get();
            assertEquals(MigrationStatus.COMPLETED, stats.status(), stats.error() + "\n" + dest.output());
            System.out.println("auto-converge:\n" + stats.render());
            MigrationPeer.Digest received = dest.awaitDigest("incoming migration complete");
            assertEquals(MachineDigest.ram(source), received.ram(), "RAM differs at switch-over");
            assertEquals(MachineDigest.full(source), received.state(), "machine state differs at switch-over");
            assertEquals(0, dest.awaitExit(), dest.output());
            assertEquals(reference(), dest.awaitDigest("stopped").ram());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "shm"})
    @Timeout(300)
    void demoSerialOutputContinuesWithNoGapAndNoRepetition(String transport) throws Exception {
        Path full = dir.resolve("full.log");
        assertEquals(0, Main.execute("run", "--serial", "file:" + full, "--pacing", "warp", "-m", "4M"));
        Path before = dir.resolve("before.log");
        Path after = dir.resolve("after.log");
        try (MigrationPeer dest = MigrationPeer.start("--serial", "file:" + after, "--pacing", "warp", "-m", "4M",
                "--incoming", listenAddress(transport, dir), "--monitor", "stdio");
             Machine source = machine(List.of("--serial", "file:" + before, "--pacing", "warp", "-m", "4M"))) {
            String address = dest.awaitAddress();
            // The demo runs under 2 M instructions, faster than a migration's setup: hold it at a
            // fixed point early in its output, so the switch-over surely falls in the middle of it.
            var held = source.pauseAt(150_000);
            source.start();
            assertEquals(150_000L, held.get());
            MigrationStats stats = new MigrationSource(source, MigrationUri.parse(address).connect(plugins),
                    MigrationConfig.DEFAULT, plugins).run();
            assertEquals(MigrationStatus.COMPLETED, stats.status(), stats.error() + "\n" + dest.output());
            // the source was paused, so its guest waits paused on the destination (QEMU's global state)
            dest.awaitLine(java.util.regex.Pattern.compile("it stays paused here until resumed"));
            new java.io.PrintStream(dest.process().getOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8)
                    .println("cont");
            assertEquals(0, dest.awaitExit(), dest.output());
        }
        String expected = Files.readString(full);
        String first = Files.readString(before);
        assertNotEquals("", first, "nothing was printed before the migration");
        assertTrue(first.length() < expected.length(), "the demo finished before the migration");
        assertEquals(expected, first + Files.readString(after));
    }

    @ParameterizedTest(name = "--incoming {0}")
    @ValueSource(strings = {"file", "fd"})
    @Timeout(300)
    void migrationToAFileIsASnapshotAnotherProcessResumes(String incoming) throws Exception {
        Path stream = dir.resolve("vm.mig");
        List<String> args = guestArgs();
        long atSwitch;
        try (Machine source = machine(args)) {
            source.start();
            runAtLeast(source, 2_000_000);
            var config = MigrationConfig.DEFAULT.withCapability("xbzrle", true);
            MigrationStats stats = new MigrationSource(source, MigrationUri.parse("file:" + stream).connect(plugins),
                    config, plugins).run();
            assertEquals(MigrationStatus.COMPLETED, stats.status(), stats.error());
            assertEquals(VmState.POSTMIGRATE, source.lifecycle().state());
            atSwitch = source.vcpus().getFirst().instructionCount();
        }
        try (MigrationPeer dest = incoming.equals("file")
                ? MigrationPeer.start(with(args, "--incoming", "file:" + stream, "--print-digest").toArray(String[]::new))
                : MigrationPeer.startWithFd3(stream, with(args, "--incoming", "fd:3", "--print-digest")
                        .toArray(String[]::new))) {
            assertEquals(atSwitch, dest.awaitDigest("incoming migration complete").instructions());
            assertEquals(0, dest.awaitExit(), dest.output());
            assertEquals(reference(), dest.awaitDigest("stopped").ram());
        }
    }
}
