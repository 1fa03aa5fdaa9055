package dev.tern.x86;

import dev.tern.spi.cpu.VcpuExit;
import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static dev.tern.x86.TestMachine.CODE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * REP string instructions run several iterations per step when the run loop's budget allows; the
 * result must be exactly that of one iteration per run. Random sequences of REP MOVS/STOS/LODS/
 * CMPS/SCAS (byte, word, dword; forward and backward; 16- and 32-bit addressing; REPE and REPNE)
 * run on two machines: one in random slices of up to 20,000 instructions, the other one instruction
 * per run, compared (registers, EIP, EFLAGS, count) at every slice end and in all of memory at the
 * end — including sequences that run into an unmapped page (#PF part-way through a REP) or write
 * over the code that runs next.
 */
class RepStringTest {

    private static final int DATA = 0x200000;
    private static final int HOLE = 0x206000;
    private static final int LOW = 0x9000;

    @Test
    void manyIterationsPerStepMatchOnePerRun() {
        int faulted = 0;
        for (int seed = 0; seed < 40; seed++) {
            int[] program = program(new SplittableRandom(seed));
            TestMachine bulk = machine(program);
            TestMachine single = machine(program);
            SplittableRandom slices = new SplittableRandom(seed + 1000L);
            VcpuExit exit;
            do {
                exit = bulk.cpu.run(1 + slices.nextInt(20_000));
                while (single.cpu.instructionCount() < bulk.cpu.instructionCount()) {
                    single.cpu.run(1);
                }
                assertSameCpu(single, bulk, "seed " + seed);
            } while (!(exit instanceof VcpuExit.Halted) && bulk.cpu.instructionCount() < 200_000);
            assertInstanceOf(VcpuExit.Halted.class, exit, "seed " + seed);
            assertInstanceOf(VcpuExit.Halted.class, single.cpu.run(1), "seed " + seed + ": the stepped machine halts too");
            assertSameCpu(single, bulk, "seed " + seed);
            assertArrayEquals(memory(single), memory(bulk), "memory, seed " + seed);
            if (bulk.handledVector() == 14) {
                faulted++;
            }
        }
        assertTrue(faulted >= 3, "some sequences run into the unmapped page: " + faulted);
    }

    /**
     * ES limit 0xff7f; REP STOSD / MOVSD / REPE SCASD / REPE CMPSD from ES:0xfe00 with ECX = 150 over
     * equal data: 96 iterations fit, the 97th raises #GP inside the page — in the middle of a
     * many-iterations step (the TLB check ignores limits). Exactly 96 retire, and SCAS/CMPS leave
     * the flags of the 96th.
     */
    @ParameterizedTest
    @ValueSource(ints = {0xAB, 0xA5, 0xAF, 0xA7})
    void aRepThatRunsIntoTheSegmentLimitRetiresExactlyTheIterationsThatFit(int opcode) {
        int[] program = new GuestCode().add(0xBE).add32(DATA).add(0xBF).add32(0xfe00).add(0xB9).add32(150)
                .add(0xB8).add32(0x5a5a5a5a).add(0xF3, opcode, 0xF4).toArray();
        TestMachine bulk = machine(program);
        TestMachine single = machine(program);
        for (TestMachine m : new TestMachine[] {bulk, single}) {
            m.cpu.core().seg[CpuCore.ES].set(TestMachine.DATA16, 0, 0xff7f, 0x0093, true);
            for (int i = 0; i < 0x180; i += 4) {       // up to the limit (the code follows at 0x10000)
                m.memory.writeU32(DATA + i, 0x5a5a5a5a);
                m.memory.writeU32(0xfe00 + i, 0x5a5a5a5a);
            }
        }
        assertInstanceOf(VcpuExit.Halted.class, bulk.cpu.run(10_000));
        while (!(single.cpu.run(1) instanceof VcpuExit.Halted)) {
            assertTrue(single.cpu.instructionCount() < 10_000);
        }
        assertEquals(13, bulk.handledVector(), "#GP");
        assertEquals(4 + 96 + 1, bulk.cpu.instructionCount(), "four MOVs, the 96 iterations that fit, the handler's HLT");
        assertEquals(150 - 96, bulk.cpu.core().r[CpuCore.ECX]);
        assertSameCpu(single, bulk, "opcode " + Integer.toHexString(opcode));
        assertArrayEquals(memory(single), memory(bulk));
    }

    @Test
    void aRepMovsOverTheCodeThatRunsNextIsSeen() {
        // mov esi, SRC; mov edi, P; mov ecx, 2; rep movsb; P: inc eax; inc eax; hlt
        // SRC holds "inc ebx; inc ebx": the copy lands on the two instructions after it.
        TestMachine m = new TestMachine().protectedMode();
        int src = DATA;
        m.poke(src, 0x43, 0x43);
        int p = CODE + 17;
        m.code(0xBE, src & 0xff, src >> 8 & 0xff, src >> 16 & 0xff, 0,
                0xBF, p & 0xff, p >> 8 & 0xff, p >> 16 & 0xff, 0,
                0xB9, 2, 0, 0, 0,
                0xF3, 0xA4,
                0x40, 0x40, 0xF4);
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        assertEquals(0, m.cpu.core().r[CpuCore.EAX], "the INC EAX were overwritten before they ran");
        assertEquals(2, m.cpu.core().r[CpuCore.EBX]);
        assertEquals(3 + 2 + 2 + 1, m.cpu.instructionCount());
    }

    private static TestMachine machine(int[] program) {
        TestMachine m = new TestMachine().protectedMode().paging();
        m.memory.writeU32(m.pte(HOLE), 0);
        m.code(program);
        SplittableRandom fill = new SplittableRandom(7);
        for (int i = 0; i < 0x8000; i += 4) {
            m.memory.writeU32(DATA + i, fill.nextInt(4) == 0 ? 0 : fill.nextInt());
        }
        for (int i = 0; i < 0x3000; i += 4) {
            m.memory.writeU32(LOW + i, fill.nextInt(3) == 0 ? 0x41414141 : fill.nextInt());
        }
        return m;
    }

    /**
     * Six to ten random REP string instructions with their registers loaded, in a third of the
     * programs one more that faults part-way, then CLD; HLT.
     */
    private static int[] program(SplittableRandom rnd) {
        GuestCode code = new GuestCode();
        int n = 6 + rnd.nextInt(5);
        for (int i = 0; i < n; i++) {
            boolean addr16 = rnd.nextInt(5) == 0;
            boolean op16 = rnd.nextInt(4) == 0;
            int maxCount = addr16 ? 1200 : 2000;
            int base = addr16 ? LOW + 0x800 : DATA + 0x1000;
            int span = addr16 ? 0x1000 : 0x3800;        // long forward runs can reach HOLE
            code.add(0xBE).add32(base + rnd.nextInt(span));       // mov esi
            code.add(0xBF).add32(base + rnd.nextInt(span));       // mov edi
            code.add(0xB9).add32(rnd.nextInt(maxCount));          // mov ecx
            code.add(0xB8).add32(rnd.nextInt(3) == 0 ? 0x41414141 : rnd.nextInt()); // mov eax
            code.add(rnd.nextBoolean() ? 0xFC : 0xFD);            // cld / std
            int[] ops = {0xA4, 0xA5, 0xA6, 0xA7, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF};
            int op = ops[rnd.nextInt(ops.length)];
            if (op16) {
                code.add(0x66);
            }
            if (addr16) {
                code.add(0x67);
            }
            code.add(rnd.nextInt(3) == 0 ? 0xF2 : 0xF3, op);
        }
        if (rnd.nextInt(3) == 0) {
            // A forward REP MOVSD or STOSD that reaches the unmapped page after some iterations.
            code.add(0xBE).add32(DATA + rnd.nextInt(0x1000));
            code.add(0xBF).add32(HOLE - 4 * (1 + rnd.nextInt(600)));
            code.add(0xB9).add32(1000);
            code.add(0xFC, 0xF3, rnd.nextBoolean() ? 0xA5 : 0xAB);
        }
        code.add(0xFC, 0xF4);
        return code.toArray();
    }

    private static void assertSameCpu(TestMachine expected, TestMachine actual, String what) {
        CpuCore e = expected.cpu.core();
        CpuCore a = actual.cpu.core();
        String where = what + " after " + expected.cpu.instructionCount() + " instructions";
        assertEquals(expected.cpu.instructionCount(), actual.cpu.instructionCount(), "count, " + where);
        assertArrayEquals(e.r, a.r, "registers, " + where);
        assertEquals(Integer.toHexString(e.eip), Integer.toHexString(a.eip), "EIP, " + where);
        assertEquals(Integer.toHexString(e.flags()), Integer.toHexString(a.flags()), "EFLAGS, " + where);
    }

    private static byte[] memory(TestMachine m) {
        byte[] all = new byte[4 << 20];
        m.memory.read(0, all, 0, all.length);
        return all;
    }
}
