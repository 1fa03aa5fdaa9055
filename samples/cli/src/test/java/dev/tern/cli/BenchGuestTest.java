package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.plugin.PluginRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The bench guest computes what QEMU computes: 82,025 primes below 2^20 after its first round. */
class BenchGuestTest {

    @Test
    @Timeout(300)
    void sieveCountsThePrimesBelowOneMebi() throws Exception {
        var spec = MachineSpec.builder().ramSize(16L << 20).firmware(BenchCommand.benchRom())
                .pacing(Pacing.WARP).maxInstructions(40_000_000).build();
        try (Machine m = Machine.create(PluginRegistry.discover(getClass().getClassLoader(), List.of()), spec)) {
            m.start();
            MachineExit exit = m.awaitExit();
            assertEquals(MachineExit.Reason.INSTRUCTION_LIMIT, exit.reason(), exit.detail());
            assertEquals(40_000_000, m.vcpus().getFirst().instructionCount());
            assertEquals(82025, m.memory().readU32(0x9f000));
        }
    }
}
