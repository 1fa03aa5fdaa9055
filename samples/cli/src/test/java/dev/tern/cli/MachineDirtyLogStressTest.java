package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.machine.VcpuScheduling;
import dev.tern.kernel.memory.DirtyPages;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.spi.cpu.Vcpu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The dirty log must never miss a write by a running vCPU, however the syncs interleave with guest
 * execution. A real x86 guest (dirty-writer.rom) increments dwords in random pages; the test syncs
 * repeatedly and, while the vCPU is stopped, copies the guest's pages: every page whose content
 * changed since the previous sync must be in the dirty set. The same with four vCPUs writing.
 */
class MachineDirtyLogStressTest {

    static final int FIRST_PAGE = 0x10;
    static final int PAGES = 128;

    @Test
    @Timeout(120)
    void everyChangedPageIsReportedDirty() throws Exception {
        var spec = MachineSpec.builder().ramSize(2 << 20).firmware(rom("dirty-writer.rom")).pacing(Pacing.WARP).build();
        try (Machine m = Machine.create(PluginRegistry.discover(getClass().getClassLoader(), List.of()), spec)) {
            assertNoChangeMissed(m, 300);
        }
    }

    /**
     * Four vCPUs write at once (smp-dirty-writer.rom: the BSP starts the APs, then all four
     * increment dwords in random pages, each from its own seed) while this thread syncs the log
     * again and again: no changed page is ever missing from the next sync, and every vCPU wrote.
     */
    @Test
    @Timeout(300)
    void fourVcpusWritingAtOnceMissNoDirtyPage() throws Exception {
        fourVcpusMissNoDirtyPage(VcpuScheduling.TURNS);
    }

    /**
     * The same with each vCPU on its own thread, all four writing while the log is synced: the
     * sync's rendezvous must stop every thread, and each vCPU's write-protection must be dropped
     * before any of them writes again.
     */
    @Test
    @Timeout(300)
    void fourParallelVcpuThreadsMissNoDirtyPage() throws Exception {
        fourVcpusMissNoDirtyPage(VcpuScheduling.PARALLEL);
    }

    private void fourVcpusMissNoDirtyPage(VcpuScheduling scheduling) throws Exception {
        var spec = MachineSpec.builder().ramSize(2 << 20).vcpus(4).firmware(rom("smp-dirty-writer.rom"))
                .pacing(Pacing.WARP).scheduling(scheduling);
        PcDevices.standard("none", 4).forEach(spec::device);
        spec.device("uart16550", "serial0", Map.of("backend", "memory"));
        try (Machine m = Machine.create(PluginRegistry.discover(getClass().getClassLoader(), List.of()), spec.build())) {
            assertNoChangeMissed(m, 400);
            for (Vcpu v : m.vcpus()) {
                assertTrue(v.instructionCount() > 100_000, "a vCPU hardly ran: " + m.vcpus().stream()
                        .map(Vcpu::instructionCount).toList());
            }
        }
    }

    /**
     * Starts {@code m} with the dirty log on and syncs it {@code rounds} times at uneven instruction
     * distances, copying the pages while the vCPUs are stopped: every page whose content changed
     * since the previous sync must be in the dirty set.
     */
    private static void assertNoChangeMissed(Machine m, int rounds) {
        m.memory().dirtyLog().enable();
        byte[][] prev = new byte[1][];
        m.syncDirtyLog(p -> prev[0] = copy(m));
        m.start();
        long changedTotal = 0;
        for (int round = 0; round < rounds; round++) {
            long target = m.vcpus().getFirst().instructionCount() + 5_000 + (round % 7) * 3_000;
            for (long spins = 0; m.vcpus().getFirst().instructionCount() < target; spins++) {
                if (spins > 2_000_000_000L) {
                    fail("the guest stopped making progress");
                }
                Thread.onSpinWait();
            }
            byte[][] cur = new byte[1][];
            DirtyPages dirty = m.syncDirtyLog(p -> cur[0] = copy(m));
            for (int i = 0; i < PAGES; i++) {
                int from = i * 4096;
                if (!Arrays.equals(prev[0], from, from + 4096, cur[0], from, from + 4096)) {
                    changedTotal++;
                    long pfn = FIRST_PAGE + i;
                    assertTrue(dirty.isDirty(pfn), "round " + round + ": page 0x" + Long.toHexString(pfn)
                            + " changed but was not reported dirty");
                }
            }
            prev[0] = cur[0];
        }
        assertTrue(changedTotal > 1000, "the guest changed only " + changedTotal + " pages");
    }

    private byte[] rom(String name) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/guests/" + name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }

    private static byte[] copy(Machine m) {
        byte[] b = new byte[PAGES * 4096];
        m.memory().read((long) FIRST_PAGE * 4096, b, 0, b.length);
        return b;
    }
}
