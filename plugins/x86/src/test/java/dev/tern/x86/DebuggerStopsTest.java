package dev.tern.x86;

import dev.tern.spi.cpu.DebugAccess;
import dev.tern.spi.cpu.VcpuExit;
import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.tern.x86.TestMachine.CODE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A host debugger's breakpoints and watchpoints ({@link DebugAccess}, kept by the CPU beside the
 * guest's DR0-DR7): they stop the loop below exactly where they must, in a loop that otherwise runs
 * as decoded blocks, and a run with them retires the same instructions to the same state as one
 * without.
 */
class DebuggerStopsTest {

    /** xor ebx, ebx; loop: inc ebx; mov [0x6000], ebx; cmp ebx, 1000; jne loop; hlt. */
    private static final int[] LOOP = {
        0x31, 0xDB,
        0x43,
        0x89, 0x1D, 0x00, 0x60, 0x00, 0x00,
        0x81, 0xFB, 0xE8, 0x03, 0x00, 0x00,
        0x75, 0xF1,
        0xF4,
    };
    private static final int ROUNDS = 1000, MOV = CODE + 3, CMP = CODE + 9;

    private static TestMachine machine() {
        TestMachine m = new TestMachine().protectedMode();
        m.code(LOOP);
        return m;
    }

    /** Runs to the HLT, counting debugger stops (each checked by {@code atStop}). */
    private static int runToHalt(TestMachine m, Runnable atStop) {
        int stops = 0;
        while (true) {
            VcpuExit e = m.cpu.run(1_000_000);
            if (e instanceof VcpuExit.Halted) {
                return stops;
            }
            assertInstanceOf(VcpuExit.Debug.class, e, "only debugger stops end the run early");
            stops++;
            atStop.run();
        }
    }

    private static long plainRunCount() {
        TestMachine m = machine();
        assertEquals(0, runToHalt(m, () -> { }));
        assertEquals(ROUNDS, m.cpu.core().r[CpuCore.EBX]);
        return m.cpu.instructionCount();
    }

    @Test
    void aBreakpointStopsBeforeItsInstructionEveryRoundAndChangesNothing() {
        long plain = plainRunCount();
        TestMachine m = machine();
        DebugAccess debug = m.cpu.debug();
        debug.setBreakpoints(new long[] {MOV});
        long before = m.cpu.instructionCount();
        int[] round = {0};
        int stops = runToHalt(m, () -> {
            round[0]++;
            CpuCore c = m.cpu.core();
            assertEquals(MOV, c.eip);
            assertEquals(round[0], c.r[CpuCore.EBX], "stopped before the store of this round");
            assertEquals(round[0] - 1, m.peek32(0x6000));
            // xor, then (inc, mov, cmp, jne) per round before this one, then this round's inc
            assertEquals(before + 2 + 4L * (round[0] - 1), m.cpu.instructionCount());
        });
        assertEquals(ROUNDS, stops);
        assertEquals(plain, m.cpu.instructionCount(), "breakpoints do not perturb the instruction count");
        assertEquals(0x89, m.peek32(MOV) & 0xff, "nothing was written into guest memory");
    }

    @Test
    void aWriteWatchpointStopsRightAfterTheStoringInstruction() {
        long plain = plainRunCount();
        TestMachine m = machine();
        DebugAccess debug = m.cpu.debug();
        debug.setWatchpoints(List.of(new DebugAccess.Watchpoint(0x6002, 1, DebugAccess.Access.WRITE)));
        int[] round = {0};
        int stops = runToHalt(m, () -> {
            round[0]++;
            assertEquals(CMP, m.cpu.core().eip);
            assertEquals(round[0], m.peek32(0x6000));
            assertEquals(0x6002, debug.takeWatchHit().orElseThrow(), "the first watched byte the store touched");
        });
        assertEquals(ROUNDS, stops);
        assertEquals(plain, m.cpu.instructionCount());
        assertTrue(debug.takeWatchHit().isEmpty());
    }

    @Test
    void aReadWatchpointIgnoresWritesAndClearedBreakpointsStopNothing() {
        long plain = plainRunCount();
        TestMachine m = machine();
        DebugAccess debug = m.cpu.debug();
        debug.setWatchpoints(List.of(new DebugAccess.Watchpoint(0x6000, 4, DebugAccess.Access.READ)));
        debug.setBreakpoints(new long[] {MOV});
        debug.setBreakpoints(new long[0]);
        assertEquals(0, runToHalt(m, () -> { }));
        assertEquals(plain, m.cpu.instructionCount());
    }

    @Test
    void registersAndMemoryByGdbNumberAndLinearAddress() {
        TestMachine m = machine();
        DebugAccess debug = m.cpu.debug();
        byte[] v = new byte[4];
        debug.readRegister(debug.programCounterRegister(), v, 0);
        assertEquals(CODE, java.nio.ByteBuffer.wrap(v).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt());
        debug.writeRegister(3, new byte[] {0x78, 0x56, 0x34, 0x12}, 0);
        assertEquals(0x12345678, m.cpu.core().r[CpuCore.EBX]);
        byte[] code = new byte[LOOP.length];
        assertEquals(LOOP.length, debug.readMemory(CODE, code, 0, code.length));
        assertEquals((byte) 0x89, code[3]);
        assertEquals(4, debug.writeMemory(0x6000, new byte[] {1, 2, 3, 4}, 0, 4));
        assertEquals(0x04030201, m.peek32(0x6000));
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> debug.writeRegister(X86DebugAccess.FIRST_CR, new byte[] {1, 0, 0, 0}, 0));
        assertTrue(e.getMessage().contains("cr0 is read-only"), e.getMessage());
        assertTrue(debug.targetDescription().contains("<architecture>i386</architecture>"));
        assertEquals(36, debug.registerSizes().length);
    }
}
