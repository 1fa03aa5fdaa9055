package dev.tern.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Debian guest snapshotted mid-boot — timers, the UART and the PIC busy — and restored in a new
 * JVM reaches the same shell prompt with byte-identical serial output to an uninterrupted run with
 * the same instruction budget.
 */
class LinuxSnapshotTest {

    /** Mid-boot: the kernel is printing its boot log and probing devices. */
    private static final long SNAPSHOT_AT = 200_000_000L;
    /** Past the shell prompt (about 545 M instructions). */
    private static final long BUDGET = 650_000_000L;

    @TempDir
    Path dir;

    @Test
    @Timeout(1800)
    void restoredInANewProcessReachesThePromptWithIdenticalOutput() throws Exception {
        LinuxGuest.assumeGuest();
        Path kernel = LinuxGuest.guestDir().resolve("vmlinuz");
        Path initrd = LinuxGuest.guestDir().resolve("initrd.cpio");
        List<String> boot = List.of("run", "--kernel", kernel.toString(), "--initrd", initrd.toString(),
                "--append", LinuxGuest.APPEND, "--pacing", "warp");

        Path whole = dir.resolve("whole.log");
        assertEquals(0, Main.execute(args(boot, "--serial", "file:" + whole, "--max-instructions", Long.toString(BUDGET))));

        Path before = dir.resolve("before.log");
        Path snapshot = dir.resolve("midboot.tern");
        assertEquals(0, Main.execute(args(boot, "--serial", "file:" + before,
                "--max-instructions", Long.toString(SNAPSHOT_AT), "--savevm-on-stop", snapshot.toString())));

        Path after = dir.resolve("after.log");
        var cmd = new ArrayList<String>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("-Xss8m", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args(boot, "--serial", "file:" + after, "--max-instructions", Long.toString(BUDGET),
                "--loadvm", snapshot.toString())));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.out").toFile()).start();
        assertEquals(0, p.waitFor(), Files.readString(dir.resolve("child.out")));

        String expected = Files.readString(whole);
        String first = Files.readString(before);
        String rest = Files.readString(after);
        assertTrue(expected.contains("/ # "), "the uninterrupted run did not reach the prompt:\n" + expected);
        assertTrue(first.contains("Linux version") && !first.contains("/ # "), "the snapshot was not taken mid-boot:\n" + first);
        assertTrue(expected.startsWith(first), "the run up to the snapshot differs from the uninterrupted one");
        assertTrue(!rest.contains("Linux version") && rest.contains("/ # "),
                "the restored run did not continue the boot to the prompt:\n" + rest);
        assertEquals(expected, first + rest, "restored output differs from the uninterrupted run");
    }

    private static String[] args(List<String> base, String... more) {
        return LiveMigrationTest.with(base, more).toArray(String[]::new);
    }
}
