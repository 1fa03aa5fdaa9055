package dev.tern.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code savevm} when the disk fills up. The JVM runs under a file size limit (RLIMIT_FSIZE, what
 * {@code ulimit -f} sets; the JVM ignores the SIGXFSZ that comes with it), so a write past 64 KiB
 * fails as on a full disk: no tmpfs mount, which a test host may not allow, is needed.
 */
class SnapshotFullDiskTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void aSaveThatRunsOutOfSpaceLeavesNoFileAndTheGuestRunsOn() throws Exception {
        var guests = new LiveMigrationTest();
        guests.dir = dir;
        List<String> args = new ArrayList<>(guests.guestArgs());
        args.set(args.indexOf("--max-instructions") + 1, "0");
        Path snapshots = Files.createDirectories(dir.resolve("snapshots"));
        args.addAll(List.of("--monitor", "stdio", "--snapshot-dir", snapshots.toString()));
        try (MigrationPeer vm = MigrationPeer.withFileSizeLimit(64, args.toArray(String[]::new))) {
            var monitor = new PrintStream(vm.process().getOutputStream(), true, StandardCharsets.UTF_8);
            monitor.println("savevm full");
            var error = vm.awaitLine(Pattern.compile("Error: .*"));
            assertTrue(error.group().contains(snapshots.resolve("full.tern") + ": finishing the file failed: write failed:"
                    + " File too large"), vm.output());
            try (var left = Files.list(snapshots)) {
                assertEquals(List.of(), left.toList(), "neither the snapshot nor a partial file is left");
            }
            monitor.println("info status");
            vm.awaitLine(Pattern.compile("VM status: running"));
            monitor.println("quit");
            assertEquals(0, vm.awaitExit(), vm.output());
        }
    }
}
