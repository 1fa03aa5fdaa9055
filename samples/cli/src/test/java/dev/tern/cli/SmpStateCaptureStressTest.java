package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSnapshot;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.machine.VcpuScheduling;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.state.SavedStateAnalyzer;
import dev.tern.kernel.state.StateSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What a migration's switch-over and a snapshot capture must be, under the heaviest SMP traffic:
 * four vCPUs (smp-timer-ipi.rom) arm their APIC timers, one-shot and periodic, send IPIs to each
 * other and halt until the next one, while this thread pauses the machine again and again. Each
 * time the state saved twice in the pause is the same (nothing moves while paused), and a machine
 * that never ran, loaded from it, saves it back byte for byte (what a migration destination
 * holds is what the source sent). A difference names the section and the first value that differs.
 */
class SmpStateCaptureStressTest {

    private static final int CPUS = 4;
    private static final int ROUNDS = 100;
    private static final int COUNTS = 0x10000;

    private final PluginRegistry plugins = PluginRegistry.discover(getClass().getClassLoader(), List.of());

    @ParameterizedTest
    @EnumSource(VcpuScheduling.class)
    @Timeout(300)
    void everyPausedStateSavesTheSameAndLoadsIntoAnIdenticalMachine(VcpuScheduling scheduling) throws Exception {
        MachineSpec spec = spec(scheduling);
        try (Machine m = Machine.create(plugins, spec); Machine copy = Machine.create(plugins, spec)) {
            m.start();
            for (int round = 0; round < ROUNDS; round++) {
                runOn(m, 10_000 + (round % 11) * 5_001L);
                m.pause();
                byte[] saved;
                byte[] again;
                try {
                    saved = save(m);
                    again = save(m);
                } finally {
                    m.resume();
                }
                if (!Arrays.equals(saved, again)) {
                    fail("round " + round + ": the paused machine's state moved between two saves: " + difference(saved, again));
                }
                MachineSnapshot.load(copy, StateSource.of(saved));
                byte[] reloaded = save(copy);
                if (!Arrays.equals(saved, reloaded)) {
                    fail("round " + round + ": a machine loaded from the saved state saves another: " + difference(saved, reloaded));
                }
            }
            m.pause();
            byte[] counts = new byte[16 * CPUS];
            m.memory().read(COUNTS, counts, 0, counts.length);
            var words = java.nio.ByteBuffer.wrap(counts).order(java.nio.ByteOrder.LITTLE_ENDIAN).asIntBuffer();
            for (int cpu = 0; cpu < CPUS; cpu++) {
                int timers = words.get(4 * cpu);
                int ipis = words.get(4 * cpu + 1);
                int halts = words.get(4 * cpu + 3);
                assertTrue(timers > 10 && ipis > 10 && halts > 0, "CPU " + cpu + " took " + timers + " timer interrupts and "
                        + ipis + " IPIs and halted " + halts + " times: the guest did not exercise its APIC");
            }
        }
    }

    private MachineSpec spec(VcpuScheduling scheduling) throws IOException {
        var spec = MachineSpec.builder().ramSize(2 << 20).vcpus(CPUS).firmware(rom("smp-timer-ipi.rom"))
                .pacing(Pacing.WARP).scheduling(scheduling);
        PcDevices.standard("none", CPUS).forEach(spec::device);
        spec.device("uart16550", "serial0", Map.of("backend", "memory"));
        return spec.build();
    }

    /** Lets vCPU 0 retire {@code instructions} more (its count is read while it runs). */
    static void runOn(Machine m, long instructions) {
        long target = m.vcpus().getFirst().instructionCount() + instructions;
        for (long spins = 0; m.vcpus().getFirst().instructionCount() < target; spins++) {
            if (spins > 2_000_000_000L) {
                fail("the guest stopped making progress");
            }
            Thread.onSpinWait();
        }
    }

    static byte[] save(Machine m) throws IOException {
        var out = new ByteArrayOutputStream();
        MachineSnapshot.save(m, out);
        return out.toByteArray();
    }

    /** The section holding the first value that differs between two saved states, and both values. */
    static String difference(byte[] a, byte[] b) throws IOException {
        String[] x = SavedStateAnalyzer.walk(new ByteArrayInputStream(a)).split("\\R");
        String[] y = SavedStateAnalyzer.walk(new ByteArrayInputStream(b)).split("\\R");
        String section = "(before any section)";
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            if (x[i].startsWith("@")) {
                section = x[i];
            }
            if (!x[i].equals(y[i])) {
                return "in " + section + ":\n  " + x[i] + "\n  " + y[i];
            }
        }
        return "the walks differ in length: " + x.length + " and " + y.length + " lines";
    }

    private byte[] rom(String name) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/guests/" + name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }
}
