package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSnapshot;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.state.StateSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The PIT's part of a paused state on one vCPU: echo-ticks (PIT channel 0 at 1 kHz, IRQ0 through
 * the 8259, HLT between ticks) warp-paced, so the clock jumps from deadline to deadline and the
 * pauses land all over the tick cycle. Each time the state saved twice is the same, and a machine
 * that never ran, loaded from it, saves it back byte for byte: the PIT re-arms its timer at load
 * from the loading machine's time, which is only exact while no pause can see its deadline due and
 * unfired (as the APIC timer could with parallel vCPUs); a difference names the section.
 */
class TimerStateCaptureStressTest {

    private static final int ROUNDS = 300;

    private final PluginRegistry plugins = PluginRegistry.discover(getClass().getClassLoader(), List.of());

    @Test
    @Timeout(300)
    void everyPausedStateOfATickingGuestLoadsIntoAnIdenticalMachine() throws Exception {
        MachineSpec spec = spec();
        try (Machine m = Machine.create(plugins, spec); Machine copy = Machine.create(plugins, spec)) {
            m.start();
            long ticksBefore = -1;
            for (int round = 0; round < ROUNDS; round++) {
                SmpStateCaptureStressTest.runOn(m, 500 + (round % 7) * 131L);
                m.pause();
                byte[] saved;
                byte[] again;
                try {
                    saved = SmpStateCaptureStressTest.save(m);
                    again = SmpStateCaptureStressTest.save(m);
                    if (round == 0) {
                        ticksBefore = ticks(m);
                    }
                } finally {
                    m.resume();
                }
                if (!Arrays.equals(saved, again)) {
                    fail("round " + round + ": the paused machine's state moved between two saves: "
                            + SmpStateCaptureStressTest.difference(saved, again));
                }
                MachineSnapshot.load(copy, StateSource.of(saved));
                byte[] reloaded = SmpStateCaptureStressTest.save(copy);
                if (!Arrays.equals(saved, reloaded)) {
                    fail("round " + round + ": a machine loaded from the saved state saves another: "
                            + SmpStateCaptureStressTest.difference(saved, reloaded));
                }
            }
            m.pause();
            long ticks = ticks(m) - ticksBefore;
            assertTrue(ticks > ROUNDS, "the guest took " + ticks + " PIT interrupts over " + ROUNDS + " rounds");
        }
    }

    private static MachineSpec spec() throws Exception {
        MachineSpec realtime = RecordReplayTest.spec(1 << 20);
        var b = MachineSpec.builder().ramSize(realtime.ramSize()).firmware(realtime.firmware()).pacing(Pacing.WARP);
        realtime.devices().forEach(b::device);
        return b.build();
    }

    /** echo-ticks' tick counter (a dword at 0x500). */
    private static long ticks(Machine m) {
        byte[] b = new byte[4];
        m.memory().read(0x500, b, 0, 4);
        return java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
    }
}
