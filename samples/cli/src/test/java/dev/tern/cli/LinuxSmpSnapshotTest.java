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
 * Debian on two vCPUs with the APIC on, snapshotted (savevm) once both CPUs run — the local APIC
 * timers ticking, the I/O APIC routing the UART and the PIT — and restored (loadvm) in a new JVM:
 * the restored run continues the boot to the same shell prompt, its serial output byte for byte
 * that of an uninterrupted run with the same budget.
 */
class LinuxSmpSnapshotTest {

    private static final String APPEND = "console=ttyS0 acpi=off cryptomgr.notests noisapnp pnpbios=off";
    /** Both CPUs are up (the kernel prints "smp: Brought up") and the boot goes on. */
    private static final long SNAPSHOT_AT = 250_000_000L;
    /** Past the shell prompt. */
    private static final long BUDGET = 700_000_000L;

    @TempDir
    Path dir;

    @Test
    @Timeout(1800)
    void restoredInANewProcessReachesThePromptWithIdenticalOutput() throws Exception {
        LinuxGuest.assumeGuest();
        Path kernel = LinuxGuest.guestDir().resolve("vmlinuz");
        Path initrd = LinuxGuest.guestDir().resolve("initrd.cpio");
        List<String> boot = List.of("run", "--kernel", kernel.toString(), "--initrd", initrd.toString(),
                "--append", APPEND, "--pacing", "warp", "--smp", "2");

        Path whole = dir.resolve("whole.log");
        assertEquals(0, Main.execute(args(boot, "--serial", "file:" + whole, "--max-instructions", Long.toString(BUDGET))));

        Path before = dir.resolve("before.log");
        Path snapshot = dir.resolve("smp.tern");
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
        assertTrue(first.contains("smp: Brought up 1 node, 2 CPUs") && !first.contains("/ # "),
                "the snapshot was not taken with both CPUs up, before the prompt:\n" + first);
        assertTrue(expected.startsWith(first), "the run up to the snapshot differs from the uninterrupted one");
        assertTrue(!rest.contains("Linux version") && rest.contains("/ # "),
                "the restored run did not continue the boot to the prompt:\n" + rest);
        assertEquals(expected, first + rest, "restored output differs from the uninterrupted run");
    }

    private static String[] args(List<String> base, String... more) {
        return LiveMigrationTest.with(base, more).toArray(String[]::new);
    }
}
