package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.migration.MigrationConfig;
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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * QEMU's way of saving a VM compressed: {@code migrate exec:gzip -c > vm.gz} here, then
 * {@code tern run --incoming 'exec:gzip -dc vm.gz'} in another JVM, which must resume the guest
 * exactly where it stopped and run it to the same end as a run that never stopped.
 */
class ExecMigrationTest {

    static final long LIMIT = 60_000_000;

    @TempDir
    Path dir;

    private List<String> guest() throws Exception {
        return List.of("--bios", RunMachines.guest(dir, "dirty-writer.rom").toString(), "-m", "4M", "--serial", "none",
                "--pacing", "warp", "--max-instructions", Long.toString(LIMIT));
    }

    @Test
    @Timeout(300)
    void guestSavedThroughGzipResumesInAnotherProcess() throws Exception {
        Path gz = dir.resolve("vm.gz");
        long atSwitch;
        String stateAtSwitch;
        try (Machine source = RunMachines.create(guest())) {
            source.start();
            LiveMigrationTest.runAtLeast(source, 2_000_000);
            // As an operator types it: the URI is the rest of the monitor's line, blanks included.
            var mon = new Monitor(source, new SnapshotStore(dir));
            new MigrationCommands(source, RunMachines.plugins(), System.out).registerOn(mon);
            assertEquals("", mon.execute("migrate exec:gzip -c > " + gz));
            String info = mon.execute("info migrate");
            assertTrue(info.contains("Migration status: completed"), info);
            assertEquals(VmState.POSTMIGRATE, source.lifecycle().state());
            atSwitch = source.vcpus().getFirst().instructionCount();
            stateAtSwitch = MachineDigest.full(source);
        }
        assertTrue(Files.size(gz) < 4 << 20, "gzip compressed the 4 MiB guest: " + Files.size(gz) + " bytes");
        String reference;
        try (Machine m = RunMachines.create(guest())) {
            m.start();
            assertEquals(MachineExit.Reason.INSTRUCTION_LIMIT, m.awaitExit().reason());
            reference = MachineDigest.ram(m);
        }
        var args = new ArrayList<>(guest());
        args.addAll(List.of("--incoming", "exec:gzip -dc " + gz, "--print-digest"));
        try (MigrationPeer dest = MigrationPeer.start(args.toArray(String[]::new))) {
            MigrationPeer.Digest loaded = dest.awaitDigest("incoming migration complete");
            assertEquals(atSwitch, loaded.instructions());
            assertEquals(stateAtSwitch, loaded.state(), "machine state differs after the round trip");
            assertEquals(0, dest.awaitExit(), dest.output());
            assertEquals(reference, dest.awaitDigest("stopped").ram());
        }
    }

    @Test
    @Timeout(120)
    void aTruncatedArchiveIsRefusedNamingTheCommand() throws Exception {
        Path gz = dir.resolve("vm.gz");
        try (Machine source = RunMachines.create(guest())) {
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            MigrationStats stats = new MigrationSource(source,
                    MigrationUri.parse("exec:gzip -c > " + gz).connect(RunMachines.plugins()),
                    MigrationConfig.DEFAULT, RunMachines.plugins()).run();
            assertEquals(MigrationStatus.COMPLETED, stats.status(), stats.error());
        }
        byte[] bytes = Files.readAllBytes(gz);
        Files.write(gz, java.util.Arrays.copyOf(bytes, bytes.length * 2 / 3));
        var args = new ArrayList<>(guest());
        args.addAll(List.of("--incoming", "exec:gzip -dc " + gz));
        try (MigrationPeer dest = MigrationPeer.start(args.toArray(String[]::new))) {
            assertNotEquals(0, dest.awaitExit(), dest.output());
            assertTrue(dest.output().contains("exec:gzip -dc " + gz), dest.output());
        }
    }
}
