package dev.tern.testkit.debug;

import dev.tern.spi.cpu.DebugAccess;
import dev.tern.spi.cpu.Vcpu;
import dev.tern.spi.cpu.VcpuExit;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The contract of a CPU's {@link DebugAccess}, as the kernel's GDB stub uses it: registers and
 * memory read and written without side effects, breakpoints that stop before their instruction
 * and do not stop again when the run resumes there, write watchpoints that stop right after the
 * store and report its address once, and — what record/replay and reverse debugging rest on — a
 * debugged run that retires exactly the instructions, to exactly the state, of one without a
 * debugger.
 *
 * <p>Extend it in the CPU plugin's tests and supply {@link #workload()}: a fresh vCPU about to run
 * a small guest loop (in the CPU's own instruction set) that, for each of {@link Workload#rounds()}
 * rounds, executes one store instruction at {@link Workload#storeInstruction()} writing the round
 * number (1, 2, ...) as a 4-byte little-endian value to {@link Workload#counter()}, and then halts.
 */
public abstract class DebugAccessContract {

    /** Most instructions the contract lets one {@link Vcpu#run} call retire. */
    private static final long BUDGET = 10_000_000;

    /**
     * The guest loop the contract debugs.
     *
     * @param cpu a fresh vCPU about to run the loop (its {@link Vcpu#debug()} is under test)
     * @param rounds how many rounds the loop runs before it halts (at least 3)
     * @param storeInstruction the debugger address of the store instruction executed once per round
     * @param counter the debugger address the store writes the round number to (4 bytes, little-endian)
     * @param scratch a debugger address of 16 bytes of RAM the loop never touches
     * @param unmapped a debugger address where no RAM is: reads there return fewer bytes than asked
     */
    public record Workload(Vcpu cpu, int rounds, long storeInstruction, long counter, long scratch, long unmapped) {
        public Workload {
            if (rounds < 3) {
                throw new IllegalArgumentException("the contract needs a loop of at least 3 rounds, not " + rounds);
            }
        }
    }

    /** A fresh vCPU at the start of the loop, with the facts about it; called once per test. */
    protected abstract Workload workload();

    private DebugAccess debug(Workload w) {
        DebugAccess d = w.cpu().debug();
        assertNotNull(d, "the CPU offers no DebugAccess (Vcpu.debug() returned null)");
        return d;
    }

    /** Runs to the halt; every other exit must be a debugger stop, handed to {@code atStop} with its number (1, 2, ...). */
    private static int runToHalt(Vcpu cpu, IntConsumer atStop) {
        int stops = 0;
        for (int slices = 0; slices < 1_000; slices++) {
            VcpuExit e = cpu.run(BUDGET);
            if (e instanceof VcpuExit.Halted) {
                return stops;
            }
            if (e instanceof VcpuExit.BudgetExhausted) {
                continue;
            }
            assertInstanceOf(VcpuExit.Debug.class, e, "only debugger stops may end the loop's run early");
            atStop.accept(++stops);
        }
        return fail("the loop did not halt");
    }

    /** The loop run without a debugger: its final instruction count. */
    private long plainRun() {
        Workload w = workload();
        assertEquals(0, runToHalt(w.cpu(), n -> { }));
        return w.cpu().instructionCount();
    }

    private static int u32(DebugAccess d, long address) {
        byte[] b = new byte[4];
        assertEquals(4, d.readMemory(address, b, 0, 4), "reading 4 bytes of RAM at 0x" + Long.toHexString(address));
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    private static long register(DebugAccess d, int number) {
        int size = d.registerSizes()[number];
        byte[] b = new byte[size];
        d.readRegister(number, b, 0);
        long v = 0;
        for (int i = Math.min(size, 8) - 1; i >= 0; i--) {
            v = v << 8 | (b[i] & 0xff);
        }
        return v;
    }

    @Test
    void theTargetDescriptionAndRegisterFileAgree() {
        DebugAccess d = debug(workload());
        String xml = d.targetDescription();
        assertTrue(xml.contains("<target") && xml.contains("</target>"), "not a GDB target description:\n" + xml);
        int[] sizes = d.registerSizes();
        assertTrue(sizes.length > 0, "no registers");
        assertTrue(d.programCounterRegister() >= 0 && d.programCounterRegister() < sizes.length,
                "the program counter register " + d.programCounterRegister() + " is not among the " + sizes.length + " registers");
        for (int r = 0; r < sizes.length; r++) {
            assertTrue(sizes[r] > 0, "register " + r + " has size " + sizes[r]);
            byte[] first = new byte[sizes[r] + 2];
            byte[] again = new byte[sizes[r] + 2];
            d.readRegister(r, first, 1);
            d.readRegister(r, again, 1);
            assertArrayEquals(first, again, "reading register " + r + " twice gives different values (or writes outside its bytes)");
            assertEquals(0, first[0], "register " + r + " was written before its offset");
            assertEquals(0, first[first.length - 1], "register " + r + " was written past its size");
        }
    }

    @Test
    void registersAndMemoryWrittenReadBack() {
        Workload w = workload();
        DebugAccess d = debug(w);
        int pc = d.programCounterRegister();
        byte[] saved = new byte[d.registerSizes()[pc]];
        d.readRegister(pc, saved, 0);
        byte[] moved = new byte[saved.length];
        for (int i = 0; i < Math.min(8, moved.length); i++) {
            moved[i] = (byte) (w.storeInstruction() >>> (8 * i));
        }
        d.writeRegister(pc, moved, 0);
        assertEquals(w.storeInstruction(), register(d, pc), "the program counter written reads back");
        byte[] pattern = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        assertEquals(16, d.writeMemory(w.scratch(), pattern, 0, 16));
        byte[] back = new byte[18];
        assertEquals(16, d.readMemory(w.scratch(), back, 1, 16));
        assertArrayEquals(pattern, Arrays.copyOfRange(back, 1, 17));
        byte[] none = new byte[8];
        assertTrue(d.readMemory(w.unmapped(), none, 0, 8) < 8, "a read where no RAM is must come back short");
        // writing the program counter moves the vCPU: back to where it was, the loop runs as before
        d.writeRegister(pc, saved, 0);
        assertEquals(0, runToHalt(w.cpu(), n -> { }));
        assertEquals(w.rounds(), u32(d, w.counter()));
    }

    @Test
    void aBreakpointStopsBeforeItsInstructionOncePerRoundAndPerturbsNothing() {
        long plain = plainRun();
        Workload w = workload();
        DebugAccess d = debug(w);
        byte[] code = new byte[4];
        assertEquals(4, d.readMemory(w.storeInstruction(), code, 0, 4));
        d.setBreakpoints(new long[] {w.storeInstruction()});
        int stops = runToHalt(w.cpu(), round -> {
            assertEquals(w.storeInstruction(), register(d, d.programCounterRegister()), "stopped at the breakpoint");
            assertEquals(round - 1, u32(d, w.counter()), "stopped before round " + round + "'s store retired");
            byte[] now = new byte[4];
            d.readMemory(w.storeInstruction(), now, 0, 4);
            assertArrayEquals(code, now, "the breakpoint was written into guest memory");
        });
        assertEquals(w.rounds(), stops, "one stop per round: resuming at the breakpoint does not stop there again");
        assertEquals(plain, w.cpu().instructionCount(), "a debugged run retires exactly the instructions of a plain one");
    }

    @Test
    void aWriteWatchpointStopsRightAfterTheStoreAndReportsItOnce() {
        long plain = plainRun();
        Workload w = workload();
        DebugAccess d = debug(w);
        d.setWatchpoints(List.of(new DebugAccess.Watchpoint(w.counter(), 4, DebugAccess.Access.WRITE)));
        int stops = runToHalt(w.cpu(), round -> {
            assertEquals(round, u32(d, w.counter()), "stopped after round " + round + "'s store");
            var hit = d.takeWatchHit();
            assertTrue(hit.isPresent(), "the stop names no watchpoint hit");
            assertTrue(hit.getAsLong() >= w.counter() && hit.getAsLong() < w.counter() + 4,
                    "the hit 0x" + Long.toHexString(hit.getAsLong()) + " is outside the watched counter");
            assertTrue(d.takeWatchHit().isEmpty(), "takeWatchHit reports a hit once");
        });
        assertEquals(w.rounds(), stops);
        assertEquals(plain, w.cpu().instructionCount(), "a watched run retires exactly the instructions of a plain one");
    }

    @Test
    void clearedBreakpointsAndWatchpointsStopNothing() {
        long plain = plainRun();
        Workload w = workload();
        DebugAccess d = debug(w);
        d.setBreakpoints(new long[] {w.storeInstruction()});
        d.setWatchpoints(List.of(new DebugAccess.Watchpoint(w.counter(), 4, DebugAccess.Access.WRITE)));
        assertInstanceOf(VcpuExit.Debug.class, w.cpu().run(BUDGET));
        d.setBreakpoints(new long[0]);
        d.setWatchpoints(List.of());
        d.takeWatchHit();
        assertEquals(0, runToHalt(w.cpu(), n -> { }), "stops after every breakpoint and watchpoint was removed");
        assertEquals(plain, w.cpu().instructionCount());
        assertEquals(w.rounds(), u32(d, w.counter()));
    }
}
