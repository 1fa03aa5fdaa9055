package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.memory.DirtyPages;
import dev.tern.kernel.plugin.PluginRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The dirty log must never miss a write by a running vCPU, however the syncs interleave with guest
 * execution. A real x86 guest (dirty-writer.rom) increments dwords in random pages; the test syncs
 * repeatedly and, while the vCPU is stopped, copies the guest's pages: every page whose content
 * changed since the previous sync must be in the dirty set.
 */
class MachineDirtyLogStressTest {

    static final int FIRST_PAGE = 0x10;
    static final int PAGES = 128;

    @Test
    @Timeout(120)
    void everyChangedPageIsReportedDirty() throws Exception {
        byte[] rom;
        try (InputStream in = getClass().getResourceAsStream("/guests/dirty-writer.rom")) {
            assertNotNull(in, "dirty-writer.rom");
            rom = in.readAllBytes();
        }
        var spec = MachineSpec.builder().ramSize(2 << 20).firmware(rom).pacing(Pacing.WARP).build();
        try (Machine m = Machine.create(PluginRegistry.discover(getClass().getClassLoader(), List.of()), spec)) {
            m.memory().dirtyLog().enable();
            byte[][] prev = new byte[1][];
            m.syncDirtyLog(p -> prev[0] = copy(m));
            m.start();
            long changedTotal = 0;
            for (int round = 0; round < 300; round++) {
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
    }

    private static byte[] copy(Machine m) {
        byte[] b = new byte[PAGES * 4096];
        m.memory().read((long) FIRST_PAGE * 4096, b, 0, b.length);
        return b;
    }
}
