package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSnapshot;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.migration.MigrationSource;
import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationStatus;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.state.SavedStateAnalyzer;
import dev.tern.pc.boot.BootImage;
import dev.tern.pc.boot.LinuxBoot;
import dev.tern.spi.ConfigType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian on two vCPUs, taking turns or on a thread each, live-migrated (pre-copy over TCP, two JVMs)
 * while two sha256sum jobs run side by side: the destination's state at the switch-over equals the source's — both vCPUs' registers,
 * both local APICs with their timers, the I/O APIC, the turn in progress — and the jobs finish there
 * with the digests an uninterrupted run prints. A destination with another vCPU count refuses the
 * stream at once, naming both counts.
 */
class LinuxSmpMigrationTest {

    private static final String APPEND = "console=ttyS0 acpi=off cryptomgr.notests noisapnp pnpbios=off";
    private static final long BOUND = 40_000_000_000L;
    /** Each job hashes this much: long enough to be mid-way when the migration starts (asserted). */
    private static final int JOB_BYTES = 4 << 20;
    /** The jobs run this far on the source before it migrates (the shell's echo of the command seen). */
    private static final long RUN_BEFORE_MIGRATING = 30_000_000L;

    private final PluginRegistry plugins = PluginRegistry.discover(getClass().getClassLoader(), List.of());

    /** {@code tern run} arguments of a machine with {@code --smp smp} whose COM1 listens on {@code consolePort}. */
    private static List<String> machine(String smp, int consolePort) {
        var guest = LinuxGuest.guestDir();
        return List.of("--kernel", guest.resolve("vmlinuz").toString(), "--initrd", guest.resolve("initrd.cpio").toString(),
                "--append", APPEND, "--pacing", "warp", "--smp", smp,
                "--serial", "tcp:127.0.0.1:" + consolePort, "--max-instructions", Long.toString(BOUND));
    }

    private static String[] destination(String smp, int consolePort) {
        return LiveMigrationTest.with(machine(smp, consolePort), "--incoming", "tcp:127.0.0.1:0", "--print-digest")
                .toArray(String[]::new);
    }

    /** The source, assembled as {@code tern run --smp SMP} assembles it (two vCPUs): kernel loaded, MP table written. */
    private Machine source(String smp, int consolePort) throws Exception {
        var cmd = new RunCommand();
        new CommandLine(cmd).parseArgs(machine(smp, consolePort).toArray(String[]::new));
        BootImage image = LinuxBoot.prepare(cmd.kernel, cmd.initrd, cmd.append, (Long) ConfigType.SIZE.parse(cmd.memory));
        Machine m = Machine.create(plugins, cmd.spec(image.firmware()));
        image.load(m.memory());
        PcDevices.writeSmpTables(m, 2);
        return m;
    }

    /**
     * With the vCPUs taking turns on one thread, and on a thread each ({@code threads=parallel}: the
     * dirty log's syncs and the switch-over's pause then stop two running threads).
     */
    @ParameterizedTest(name = "--smp {0}")
    @ValueSource(strings = {"2", "2,threads=parallel"})
    @Timeout(1800)
    void twoVcpusMigrateMidWorkloadAndTheJobsFinishWithTheRightDigests(String smp) throws Exception {
        LinuxGuest.assumeGuest();
        String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(new byte[JOB_BYTES]));
        int consolePort = freePort();
        int sourcePort = freePort();
        try (MigrationPeer dest = MigrationPeer.start(destination(smp, consolePort))) {
            String address = dest.awaitAddress();
            try (var console = LinuxMigrationTest.Console.connect(consolePort); Machine source = source(smp, sourcePort);
                 var sourceConsole = LinuxMigrationTest.Console.connect(sourcePort)) {
                source.start();
                int typedAt = sourceConsole.awaitText(LinuxGuest.PROMPT, 0, dest).length();
                sourceConsole.type("head -c " + JOB_BYTES + " /dev/zero | sha256sum & head -c " + JOB_BYTES
                        + " /dev/zero | sha256sum & wait; echo jobs-$((1+1))\r");
                sourceConsole.awaitText("echo jobs-", typedAt, dest);
                LiveMigrationTest.runAtLeast(source, source.vcpus().getFirst().instructionCount() + RUN_BEFORE_MIGRATING);

                var migration = new MigrationSource(source, MigrationUri.parse(address).connect(plugins),
                        MigrationConfig.DEFAULT, plugins);
                MigrationStats stats = migration.run();
                System.out.println("SMP Linux mid-workload migration, --smp " + smp + ":\n" + stats.render());
                assertEquals(MigrationStatus.COMPLETED, stats.status(), stats.error() + "\n" + dest.output());
                String sourceState = MachineDigest.full(source);
                String sourceRam = MachineDigest.ram(source);
                MigrationPeer.Digest received = dest.awaitDigest("incoming migration complete");
                assertEquals(sourceRam, received.ram(), "RAM differs at switch-over");
                if (!sourceState.equals(received.state())) {
                    // tells a source whose state moved after the switch-over from a destination that differs
                    Path walk = Files.createTempFile("smp-migration-source", ".txt");
                    Files.writeString(walk, SavedStateAnalyzer.walk(new ByteArrayInputStream(saved(source))));
                    assertEquals(sourceState, MachineDigest.full(source), "the source's state changed after the"
                            + " switch-over; its state now: " + walk);
                }
                assertEquals(sourceState, received.state(), "machine state differs at switch-over");

                String before = sourceConsole.awaitText("echo jobs-", typedAt, dest).substring(typedAt);
                assertFalse(before.contains("jobs-2\r\n"), "the jobs ended before the migration:\n" + before);
                String after = console.awaitText("jobs-2\r\n", 0, dest);
                String jobs = before + after;
                assertEquals(2, jobs.split(digest, -1).length - 1, "two digests of the zeros expected:\n" + jobs);

                console.type("echo cpus=$(grep -c ^processor /proc/cpuinfo)-$((6*7))\r");
                console.awaitText("cpus=2-42", after.length(), dest);
            }
        }
    }

    @Test
    @Timeout(600)
    void aDestinationWithOneVcpuRefusesATwoVcpuSourceNamingTheCounts() throws Exception {
        LinuxGuest.assumeGuest();
        int consolePort = freePort();
        int sourcePort = freePort();
        try (MigrationPeer dest = MigrationPeer.start(destination("1", consolePort))) {
            String address = dest.awaitAddress();
            try (var console = LinuxMigrationTest.Console.connect(consolePort); Machine source = source("2", sourcePort);
                 var sourceConsole = LinuxMigrationTest.Console.connect(sourcePort)) {
                source.start();
                LiveMigrationTest.runAtLeast(source, 1_000_000L);
                var migration = new MigrationSource(source, MigrationUri.parse(address).connect(plugins),
                        MigrationConfig.DEFAULT, plugins);
                MigrationStats stats = migration.run();
                // the destination refuses at the first frame and closes; the source, still sending
                // RAM, sees its write fail and then finds the destination's REFUSED ahead of the reset
                assertEquals(MigrationStatus.FAILED, stats.status(), stats.render());
                String why = "the stream was saved from a machine with 2 vCPUs, this machine has 1 (--smp 1)";
                assertTrue(stats.error().contains("the destination refused the migration: ")
                        && stats.error().contains(why), stats.render());
                assertTrue(dest.awaitExit() != 0, dest.output());
                assertTrue(dest.output().contains(why), dest.output());
                long at = source.vcpus().getFirst().instructionCount();
                LiveMigrationTest.runAtLeast(source, at + 1_000_000L); // the source runs on
            }
        }
    }

    private static byte[] saved(Machine m) throws IOException {
        var out = new ByteArrayOutputStream();
        MachineSnapshot.save(m, out);
        return out.toByteArray();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
