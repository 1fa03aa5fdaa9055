package dev.tern.cli;

import dev.tern.kernel.machine.MachineSnapshot;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.machine.VcpuScheduling;
import dev.tern.kernel.replay.LiveJournal;
import dev.tern.kernel.state.StateSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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

    /**
     * Debian on two parallel vCPU threads ({@code --smp 2,threads=parallel}), paused at its prompt
     * while both threads run and saved, is restored into a new parallel machine: the restored guest
     * carries on from the same shell (no new boot) and two sha256sum jobs there give the right digests.
     */
    @Test
    @Timeout(1800)
    void aParallelGuestSavedAtItsPromptRestoresAndRunsOn() throws Exception {
        LinuxGuest.assumeGuest();
        var snapshot = new java.io.ByteArrayOutputStream();
        try (var g = LinuxGuest.create(2, VcpuScheduling.PARALLEL, APPEND, 20_000_000_000L, List.of(), Pacing.WARP,
                spec -> new LiveJournal())) {
            g.machine.start();
            assertNull(g.waitFor(LinuxGuest.PROMPT, 0), "the guest stopped before its shell prompt:\n" + g.output());
            MachineSnapshot.saveLive(g.machine, () -> MachineSnapshot.save(g.machine, snapshot));
            g.machine.stop("saved");
        }
        try (var g = LinuxGuest.create(2, VcpuScheduling.PARALLEL, APPEND, 20_000_000_000L, List.of(), Pacing.WARP,
                spec -> new LiveJournal())) {
            MachineSnapshot.load(g.machine, StateSource.of(snapshot.toByteArray()));
            g.machine.start();
            String zeros = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(new byte[1 << 20]));
            int typedAt = g.type("head -c 1048576 /dev/zero | sha256sum & head -c 1048576 /dev/zero | sha256sum & wait; echo jobs-$((1+1))");
            assertNull(g.waitFor("jobs-2\r\n", typedAt), "the jobs did not finish:\n" + g.output());
            String out = g.output();
            assertTrue(!out.contains("Linux version"), "the restored guest booted again:\n" + out);
            assertEquals(2, out.substring(typedAt).split(zeros, -1).length - 1, out);
        }
    }

    private static String[] args(List<String> base, String... more) {
        return LiveMigrationTest.with(base, more).toArray(String[]::new);
    }
}
