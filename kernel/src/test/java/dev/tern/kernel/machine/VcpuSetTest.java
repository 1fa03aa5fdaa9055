package dev.tern.kernel.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.spi.cpu.Vcpu;
import dev.tern.spi.cpu.VcpuExit;
import dev.tern.spi.state.StateSection;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The turns of an SMP machine's vCPUs on one EMT, and the saved state of the turn in progress. */
class VcpuSetTest {

    /**
     * A vCPU that retires one instruction per step and exits for I/O at a chosen count, as a port
     * access would: enough to drive the scheduler, which sees vCPUs only through these calls.
     */
    private static final class CountingVcpu implements Vcpu {
        long count;
        long ioAt = -1;

        @Override
        public VcpuExit run(long maxInstructions) {
            for (long i = 0; i < maxInstructions; i++) {
                count++;
                if (count == ioAt) {
                    return new VcpuExit.PortIo(0x80, 1, true, 0);
                }
            }
            return VcpuExit.BUDGET_EXHAUSTED;
        }

        @Override
        public long instructionCount() {
            return count;
        }

        @Override
        public void reset() {
            count = 0;
        }

        @Override
        public void requestExit() {
        }

        @Override
        public void setInterruptRequest(boolean asserted) {
        }
    }

    @SuppressWarnings("unchecked")
    private static StateSection<VcpuSet.Turn> turn(VcpuSet set) {
        return (StateSection<VcpuSet.Turn>) set.scheduleSection().orElseThrow();
    }

    @Test
    void aTurnEndingAtAnExitIsSavedWithNothingLeftAndLoadsToTheSameInterleaving() {
        var a = new CountingVcpu();
        var b = new CountingVcpu();
        a.ioAt = VcpuSet.QUANTUM; // vCPU 0's exit falls on the last instruction of its first turn
        var set = new VcpuSet(List.of(a, b));
        assertTrue(set.run(Long.MAX_VALUE) instanceof VcpuExit.PortIo);
        VcpuSet.Turn saved = turn(set).save();
        assertEquals(new VcpuSet.Turn(0, 0), saved);
        assertTrue(turn(set).validate(saved).isEmpty(), "a turn with nothing left is refused: " + turn(set).validate(saved));

        var c = new CountingVcpu();
        var d = new CountingVcpu();
        c.count = a.count;
        var restored = new VcpuSet(List.of(c, d));
        turn(restored).load(saved);
        set.run(10);
        restored.run(10);
        assertEquals(List.of(a.count, b.count), List.of(c.count, d.count), "the restored machine interleaves differently");
        assertEquals(10, b.count, "the next instructions are vCPU 1's");
    }

    @Test
    void turnsOutsideTheQuantumAreRefusedByName() {
        var set = new VcpuSet(List.of(new CountingVcpu(), new CountingVcpu()));
        assertTrue(turn(set).validate(new VcpuSet.Turn(0, -1)).orElseThrow().contains("expected 0.." + VcpuSet.QUANTUM));
        assertTrue(turn(set).validate(new VcpuSet.Turn(0, VcpuSet.QUANTUM + 1)).isPresent());
        assertTrue(turn(set).validate(new VcpuSet.Turn(2, 1)).orElseThrow().contains("vCPU 2 does not exist"));
    }
}
