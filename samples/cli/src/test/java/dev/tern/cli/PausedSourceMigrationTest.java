package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.migration.MigrationSource;
import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationStatus;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.vm.VmState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * QEMU's global state: a guest the operator paused before migrating it stays paused on the
 * destination (two JVMs, tcp loopback), with the instruction count it was paused at, until
 * {@code cont} there; a running source's guest runs on at once (every other migration test).
 */
class PausedSourceMigrationTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(300)
    void aPausedSourcesGuestStaysPausedUntilCont() throws Exception {
        var guests = new LiveMigrationTest();
        guests.dir = dir;
        List<String> args = guests.guestArgs();
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming", "tcp:127.0.0.1:0",
                "--monitor", "stdio").toArray(String[]::new));
             Machine source = guests.machine(args)) {
            String address = dest.awaitAddress();
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            source.pause();
            long pausedAt = source.vcpus().getFirst().instructionCount();
            var migration = new MigrationSource(source, MigrationUri.parse(address).connect(guests.plugins),
                    MigrationConfig.DEFAULT, guests.plugins);
            MigrationStats stats = migration.run();
            assertEquals(MigrationStatus.COMPLETED, stats.status(), stats.render() + "\n" + dest.output());
            assertEquals(VmState.POSTMIGRATE, source.lifecycle().state());

            dest.awaitLine(Pattern.compile("the source's guest was paused: it stays paused here"));
            var monitor = new PrintStream(dest.process().getOutputStream(), true, StandardCharsets.UTF_8);
            monitor.println("info status");
            dest.awaitLine(Pattern.compile("VM status: paused"));
            monitor.println("info replay");
            var at = dest.awaitLine(Pattern.compile("Instruction count: (\\d+)"));
            assertEquals(pausedAt, Long.parseLong(at.group(1)), "nothing ran while paused");
            monitor.println("cont");
            monitor.println("info status");
            dest.awaitLine(Pattern.compile("VM status: running"));
            monitor.println("quit");
            dest.awaitExit();
        }
    }
}
