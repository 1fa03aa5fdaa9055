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
import static org.junit.jupiter.api.Assertions.fail;

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
    /** Each job hashes this much: long enough to be mid-way when the snapshot is taken (asserted). */
    private static final int JOB_BYTES = 4 << 20;
    /** The jobs run this far on vCPU 0 before the save (the shell's echo of the command seen). */
    private static final long RUN_BEFORE_SAVING = 30_000_000L;

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
     * Debian on two parallel vCPU threads ({@code --smp 2,threads=parallel}), paused and saved while
     * two sha256sum jobs run on both threads (IPIs, APIC timers and the dirty pages of both in
     * flight), is restored into a new parallel machine: the restored guest finishes the same jobs
     * (no new boot) and the output of both halves together holds the digests an uninterrupted run prints.
     */
    @Test
    @Timeout(1800)
    void aParallelGuestSavedMidWorkloadRestoresAndFinishesTheJobs() throws Exception {
        LinuxGuest.assumeGuest();
        var snapshot = new java.io.ByteArrayOutputStream();
        String before;
        try (var g = LinuxGuest.create(2, VcpuScheduling.PARALLEL, APPEND, 20_000_000_000L, List.of(), Pacing.WARP,
                spec -> new LiveJournal())) {
            g.machine.start();
            assertNull(g.waitFor(LinuxGuest.PROMPT, 0), "the guest stopped before its shell prompt:\n" + g.output());
            int typedAt = g.type("head -c " + JOB_BYTES + " /dev/zero | sha256sum & head -c " + JOB_BYTES
                    + " /dev/zero | sha256sum & wait; echo jobs-$((1+1))");
            assertNull(g.waitFor("echo jobs-", typedAt), "the command was not echoed:\n" + g.output());
            LiveMigrationTest.runAtLeast(g.machine, g.machine.vcpus().getFirst().instructionCount() + RUN_BEFORE_SAVING);
            MachineSnapshot.saveLive(g.machine, () -> MachineSnapshot.save(g.machine, snapshot));
            before = g.output().substring(typedAt);
            g.machine.stop("saved");
        }
        assertTrue(!before.contains("jobs-2\r\n"), "the jobs ended before the snapshot:\n" + before);
        try (var g = LinuxGuest.create(2, VcpuScheduling.PARALLEL, APPEND, 20_000_000_000L, List.of(), Pacing.WARP,
                spec -> new LiveJournal())) {
            byte[] saved = snapshot.toByteArray();
            MachineSnapshot.load(g.machine, StateSource.of(saved));
            var reloaded = new java.io.ByteArrayOutputStream();
            MachineSnapshot.save(g.machine, reloaded);
            if (!java.util.Arrays.equals(saved, reloaded.toByteArray())) {
                fail("the restored machine saves another state: "
                        + SmpStateCaptureStressTest.difference(saved, reloaded.toByteArray()));
            }
            g.machine.start();
            assertNull(g.waitFor("jobs-2\r\n", 0), "the restored jobs did not finish:\n" + before + g.output());
            String zeros = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(new byte[JOB_BYTES]));
            String jobs = before + g.output();
            assertTrue(!jobs.contains("Linux version"), "the restored guest booted again:\n" + jobs);
            assertEquals(2, jobs.split(zeros, -1).length - 1, "two digests of the zeros expected:\n" + jobs);
        }
    }

    private static String[] args(List<String> base, String... more) {
        return LiveMigrationTest.with(base, more).toArray(String[]::new);
    }
}
