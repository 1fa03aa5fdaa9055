package dev.tern.cli;

import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.machine.VcpuScheduling;
import dev.tern.kernel.replay.LiveJournal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian's kernel on several vCPUs with the APIC on (no {@code nolapic noapic}): it finds the CPUs
 * and the I/O APIC in the MP table, starts the APs with INIT/SIPI, reaches the shell; every CPU is
 * listed and takes local timer interrupts, the I/O APIC routes the ISA interrupts, and two
 * sha256sum jobs run side by side with the right digests.
 */
class LinuxSmpBootTest {

    private static final String APPEND = "console=ttyS0 acpi=off cryptomgr.notests noisapnp pnpbios=off";
    private static final String APPEND_ACPI = "console=ttyS0 cryptomgr.notests noisapnp pnpbios=off";
    private static final long MAX_INSTRUCTIONS = 20_000_000_000L;

    @Test
    @Timeout(1800)
    void bootsWithTheApicOnEveryCpuAndRunsTwoJobsInParallel() throws Exception {
        bootAndRunTwoJobs(2, VcpuScheduling.TURNS, APPEND);
    }

    /**
     * Four CPUs with ACPI on (no {@code acpi=off}): the kernel takes the processors, the I/O APIC and
     * the interrupt source overrides from the MADT (it still finds the MP table in its early scan,
     * but says it uses the MADT), and runs as with the MP table.
     */
    @Test
    @Timeout(1800)
    void withAcpiOnFourCpusAreFoundInTheMadtAndRunTwoJobs() throws Exception {
        String boot = bootAndRunTwoJobs(4, VcpuScheduling.TURNS, APPEND_ACPI);
        assertTrue(boot.contains("ACPI: RSDP 0x") && boot.contains("ACPI: APIC 0x"), boot);
        assertTrue(boot.contains("Using ACPI (MADT) for SMP configuration information"), boot);
        assertTrue(boot.contains("ACPI: INT_SRC_OVR (bus 0 bus_irq 0 global_irq 2"), boot);
    }

    /**
     * The same with every vCPU on a host thread of its own ({@code --smp 2,threads=parallel}): the
     * boot, the APIC wiring and the two jobs' digests are the same as with turns.
     */
    @Test
    @Timeout(1800)
    void onParallelThreadsBootsAndRunsTwoJobsWithTheRightDigests() throws Exception {
        bootAndRunTwoJobs(2, VcpuScheduling.PARALLEL, APPEND);
    }

    /** Boots, checks the CPUs, their timers, the I/O APIC and the jobs' IPIs; returns the boot's console output. */
    private static String bootAndRunTwoJobs(int cpus, VcpuScheduling scheduling, String append) throws Exception {
        LinuxGuest.assumeGuest();
        try (var g = LinuxGuest.create(cpus, scheduling, append, MAX_INSTRUCTIONS, List.of(), Pacing.WARP, spec -> new LiveJournal())) {
            g.machine.start();
            assertNull(g.waitFor(LinuxGuest.PROMPT, 0), "the guest stopped before its shell prompt:\n" + g.output());
            String boot = g.output();
            assertTrue(!append.equals(APPEND) || boot.contains("found SMP MP-table"), boot);
            assertTrue(boot.contains("smp: Brought up 1 node, " + cpus + " CPUs"), boot);

            assertEquals(Integer.toString(cpus), g.answer("echo cpus=$(grep -c ^processor /proc/cpuinfo)", "cpus"));
            assertEquals(Integer.toString(cpus), g.answer(
                    "awk '/LOC:/ {n=0; for (i=2; i<=NF; i++) if ($i ~ /^[0-9]+$/ && $i > 0) n++; print \"loc=\" n}' /proc/interrupts",
                    "loc"), "every CPU takes local APIC timer interrupts");
            int ioApicLines = Integer.parseInt(g.answer("echo ioapic=$(grep -c IO-APIC /proc/interrupts)", "ioapic"));
            assertTrue(ioApicLines >= 2, "the timer and the serial port go through the I/O APIC: " + ioApicLines);

            long[] ipisBefore = ipis(g, cpus);
            String zeros = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(new byte[1 << 20]));
            int typedAt = g.type("head -c 1048576 /dev/zero | sha256sum & head -c 1048576 /dev/zero | sha256sum & wait; echo jobs-$((1+1))");
            assertNull(g.waitFor("jobs-2\r\n", typedAt), "the jobs did not finish:\n" + g.output());
            String jobs = g.output().substring(typedAt);
            assertEquals(2, jobs.split(zeros, -1).length - 1, jobs);

            long[] ipisAfter = ipis(g, cpus);
            String counts = java.util.Arrays.toString(ipisBefore) + " -> " + java.util.Arrays.toString(ipisAfter);
            for (int cpu = 0; cpu < cpus; cpu++) {
                assertTrue(ipisAfter[cpu] > 0, "CPU " + cpu + " took no IPI (RES+CAL+TLB per CPU " + counts + ")");
            }
            assertTrue(java.util.Arrays.stream(ipisAfter).sum() > java.util.Arrays.stream(ipisBefore).sum(),
                    "no IPI during the two jobs (RES+CAL+TLB per CPU " + counts + ")");

            g.type("poweroff -f");
            MachineExit exit = g.machine.awaitExit();
            assertTrue(exit.reason() == MachineExit.Reason.HALTED || exit.reason() == MachineExit.Reason.POWER_OFF,
                    exit.detail() + "\n" + g.output());
            return boot;
        }
    }

    /**
     * The interprocessor interrupts each CPU took so far: the sums of its rescheduling (RES),
     * function-call (CAL) and TLB-shootdown (TLB) columns in /proc/interrupts.
     */
    private static long[] ipis(LinuxGuest g, int cpus) throws InterruptedException {
        // "ipi" "s=" keeps the typed command's echo from holding the answer's key
        String sums = g.answer("awk 'NR==1 {n=NF} /^ *(RES|CAL|TLB):/ {for (i=2; i<=n+1; i++) s[i]+=$i}"
                + " END {o=\"\"; for (i=2; i<=n+1; i++) o=o s[i] \",\"; print \"ipi\" \"s=\" o}' /proc/interrupts", "ipis");
        String[] parts = sums.split(",");
        assertEquals(cpus, parts.length, "one IPI sum per CPU expected: " + sums);
        return java.util.Arrays.stream(parts).mapToLong(Long::parseLong).toArray();
    }
}
