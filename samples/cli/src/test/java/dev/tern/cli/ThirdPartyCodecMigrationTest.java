package dev.tern.cli;

import dev.tern.cli.testcodec.ChangedRunsCodecJar;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.migration.MigrationSource;
import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationStatus;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.plugin.PluginRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A page codec the kernel has never heard of — {@code ChangedRunsCodecProvider}, packed into a
 * plugin jar during the test and found only through {@code --plugin-path} — carries a live migration
 * between two JVMs: the RAM stream names it by id and the destination decodes with its own copy.
 */
class ThirdPartyCodecMigrationTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(300)
    void aCodecPluginUnknownToTheKernelMigratesAGuestExactly() throws Exception {
        Path plugins = ChangedRunsCodecJar.build(dir.resolve("plugins"));
        PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader(), List.of(plugins));
        assertTrue(registry.find(dev.tern.kernel.plugin.ProviderKind.PAGE_CODEC, "changed-runs").isPresent());

        // The 64 MiB rewriter changes one byte of each page per pass: its raw rounds do not fit the
        // downtime limit at 100 MiB/s, its deltas do (as with XBZRLE in MigrationConvergenceTest).
        List<String> args = List.of("--bios", MigrationConvergenceTest.rewrite64m(dir).toString(), "-m", "96M",
                "--serial", "none", "--pacing", "warp", "--max-instructions", "0");
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--plugin-path", plugins.toString(),
                "--incoming", LiveMigrationTest.listenAddress("tcp", dir), "--print-digest").toArray(String[]::new));
             Machine source = machine(registry, args)) {
            String address = dest.awaitAddress();
            source.start();
            LiveMigrationTest.runAtLeast(source, 5_000_000); // several passes: all 64 MiB touched
            var config = MigrationConfig.DEFAULT.with("compression", "changed-runs").with("max-bandwidth", "100M")
                    .with("timeout", "60000");
            var migration = new MigrationSource(source, MigrationUri.parse(address).connect(registry), config, registry);
            MigrationStats stats = migration.run();
            assertEquals(MigrationStatus.COMPLETED, stats.status(), stats.render() + "\n" + dest.output());
            long deltas = stats.codec("changed-runs").getOrDefault("pages", 0L);
            assertTrue(deltas > 0, "the later rounds sent pages as changed runs:\n" + stats.render());
            assertTrue(stats.render().contains("changed-runs delta pages: "), stats.render());

            long atSwitch = source.vcpus().getFirst().instructionCount();
            MigrationPeer.Digest received = dest.awaitDigest("incoming migration complete");
            assertEquals(atSwitch, received.instructions());
            assertEquals(MachineDigest.ram(source), received.ram(), "RAM differs at switch-over");
            assertEquals(MachineDigest.full(source), received.state(), "machine state differs at switch-over");
        }
    }

    @Test
    @Timeout(120)
    void aCodecTheDestinationLacksIsRefusedByNameAndTheSourceRunsOn() throws Exception {
        Path plugins = ChangedRunsCodecJar.build(dir.resolve("plugins"));
        PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader(), List.of(plugins));
        var live = new LiveMigrationTest();
        live.dir = dir;
        List<String> args = live.guestArgs();
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming",
                LiveMigrationTest.listenAddress("tcp", dir)).toArray(String[]::new));
             Machine source = machine(registry, args)) {
            String address = dest.awaitAddress();
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            var config = MigrationConfig.DEFAULT.with("compression", "changed-runs");
            MigrationStats stats = new MigrationSource(source, MigrationUri.parse(address).connect(registry), config,
                    registry).run();
            assertEquals(MigrationStatus.FAILED, stats.status(), stats.render());
            dest.awaitExit();
            assertTrue(dest.output().contains("page codec 'changed-runs', which no installed plugin provides"),
                    dest.output());
            assertEquals(dev.tern.kernel.vm.VmState.RUNNING, source.lifecycle().state());
            long before = source.vcpus().getFirst().instructionCount();
            LiveMigrationTest.runAtLeast(source, before + 1_000_000);
        }
    }

    @Test
    void anUnknownCodecIdIsRefusedNamingTheInstalledOnesAndTheSourceRunsOn() throws Exception {
        var live = new LiveMigrationTest();
        live.dir = dir;
        try (Machine source = machine(live.plugins, live.guestArgs())) {
            source.start();
            var config = MigrationConfig.DEFAULT.with("compression", "zstd");
            MigrationStats stats = new MigrationSource(source, MigrationUri.parse("file:" + dir.resolve("m.bin"))
                    .connect(live.plugins), config, live.plugins).run();
            assertEquals(MigrationStatus.FAILED, stats.status());
            assertTrue(stats.error().contains("'zstd'") && stats.error().contains("lz4"), stats.error());
            assertEquals(dev.tern.kernel.vm.VmState.RUNNING, source.lifecycle().state());
        }
    }

    private static Machine machine(PluginRegistry registry, List<String> args) throws IOException {
        var cmd = new RunCommand();
        new CommandLine(cmd).parseArgs(args.toArray(String[]::new));
        return Machine.create(registry, cmd.spec(Files.readAllBytes(cmd.bios)));
    }
}
