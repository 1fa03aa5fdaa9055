package dev.tern.cli;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThreadCpuTest {

    private static final long BURN_NANOS = 200_000_000L;

    /**
     * A thread named like a vCPU thread burns 0.2 s of its own CPU time and stays alive (an ended
     * thread drops out of the reading); the split puts that time under "vCPU".
     */
    @Test
    void aThreadNamedLikeAVcpuCountsAsVcpuTime() throws Exception {
        ThreadCpu start = ThreadCpu.read();
        var burned = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        Thread vcpu = new Thread(() -> {
            burn();
            burned.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "tern-emt-test");
        vcpu.start();
        burned.await();
        ThreadCpu end = ThreadCpu.read();
        release.countDown();
        vcpu.join();
        if (!Files.isDirectory(Path.of("/proc/self/task"))) {
            assertEquals("not available (no /proc/self/task)", end.since(start));
            return;
        }
        long nanos = end.nanosSince(start, "vCPU");
        assertTrue(nanos >= BURN_NANOS * 9 / 10, "vCPU time " + nanos + " ns after a thread burned 0.2 s");
        String line = end.since(start);
        assertTrue(line.startsWith("vCPU ") && line.contains(", JIT compilers ") && line.contains(", translator ")
                && line.endsWith(" s"), line);
    }

    /** Spins until this thread has used {@link #BURN_NANOS} of CPU time (its own clock, not the wall's). */
    private static void burn() {
        var bean = ManagementFactory.getThreadMXBean();
        long start = bean.getCurrentThreadCpuTime();
        long x = 1;
        while (bean.getCurrentThreadCpuTime() - start < BURN_NANOS) {
            for (int i = 0; i < 10_000; i++) {
                x = x * 31 + i;
            }
        }
        sink = x;
    }

    /** Where the spin's result goes, so the JIT cannot drop the loop. */
    private static volatile long sink;
}
