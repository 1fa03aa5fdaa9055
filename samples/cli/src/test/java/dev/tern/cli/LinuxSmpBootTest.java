package dev.tern.cli;

import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.machine.VcpuScheduling;
import dev.tern.kernel.replay.LiveJournal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
    private static final long MAX_INSTRUCTIONS = 20_000_000_000L;

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    @Timeout(1800)
    void bootsWithTheApicOnEveryCpuAndRunsTwoJobsInParallel(int cpus) throws Exception {
        bootAndRunTwoJobs(cpus, VcpuScheduling.TURNS);
    }

    /**
     * The same with every vCPU on a host thread of its own ({@code --smp 2,threads=parallel}): the
     * boot, the APIC wiring and the two jobs' digests are the same as with turns.
     */
    @Test
    @Timeout(1800)
    void onParallelThreadsBootsAndRunsTwoJobsWithTheRightDigests() throws Exception {
        bootAndRunTwoJobs(2, VcpuScheduling.PARALLEL);
    }

    private static void bootAndRunTwoJobs(int cpus, VcpuScheduling scheduling) throws Exception {
        LinuxGuest.assumeGuest();
        try (var g = LinuxGuest.create(cpus, scheduling, APPEND, MAX_INSTRUCTIONS, List.of(), Pacing.WARP, spec -> new LiveJournal())) {
            g.machine.start();
            assertNull(g.waitFor(LinuxGuest.PROMPT, 0), "the guest stopped before its shell prompt:\n" + g.output());
            String boot = g.output();
            assertTrue(boot.contains("found SMP MP-table"), boot);
            assertTrue(boot.contains("smp: Brought up 1 node, " + cpus + " CPUs"), boot);

            assertEquals(Integer.toString(cpus), answer(g, "echo cpus=$(grep -c ^processor /proc/cpuinfo)", "cpus"));
            assertEquals(Integer.toString(cpus), answer(g,
                    "awk '/LOC:/ {n=0; for (i=2; i<=NF; i++) if ($i ~ /^[0-9]+$/ && $i > 0) n++; print \"loc=\" n}' /proc/interrupts",
                    "loc"), "every CPU takes local APIC timer interrupts");
            int ioApicLines = Integer.parseInt(answer(g, "echo ioapic=$(grep -c IO-APIC /proc/interrupts)", "ioapic"));
            assertTrue(ioApicLines >= 2, "the timer and the serial port go through the I/O APIC: " + ioApicLines);

            String zeros = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(new byte[1 << 20]));
            int typedAt = g.type("head -c 1048576 /dev/zero | sha256sum & head -c 1048576 /dev/zero | sha256sum & wait; echo jobs-$((1+1))");
            assertNull(g.waitFor("jobs-2\r\n", typedAt), "the jobs did not finish:\n" + g.output());
            String jobs = g.output().substring(typedAt);
            assertEquals(2, jobs.split(zeros, -1).length - 1, jobs);

            g.type("poweroff -f");
            MachineExit exit = g.machine.awaitExit();
            assertTrue(exit.reason() == MachineExit.Reason.HALTED || exit.reason() == MachineExit.Reason.POWER_OFF,
                    exit.detail() + "\n" + g.output());
        }
    }

    /** Types {@code command}, whose output has a line {@code key=VALUE}; returns VALUE. */
    private static String answer(LinuxGuest g, String command, String key) throws InterruptedException {
        int typedAt = g.type(command);
        String tag = "\n" + key + "=";
        assertNull(g.waitFor(tag, typedAt), "no answer to " + command + ":\n" + g.output());
        int at = g.output().indexOf(tag, typedAt) + tag.length();
        assertNull(g.waitFor("\r\n", at), "no answer to " + command + ":\n" + g.output());
        String out = g.output();
        return out.substring(at, out.indexOf("\r\n", at));
    }
}
