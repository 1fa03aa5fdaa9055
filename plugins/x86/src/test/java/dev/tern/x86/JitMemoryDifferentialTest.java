package dev.tern.x86;

import dev.tern.spi.cpu.VcpuExit;
import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.tern.x86.FastFormDifferentialTest.DATA;
import static dev.tern.x86.TestMachine.CODE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compiling tier with memory operands against the interpreter: random loops of register and
 * memory forms (loads, stores, read-modify-write ALU forms, byte forms, MOVZX, PUSH/POP, CALL/RET,
 * LEA, faulting loads past a segment limit and onto an unmapped page that a later pass reaches,
 * accesses that cross a page) run on two machines in the same random run slices, one interpreting
 * and one translating every block it can at its first entry. CPU state, the instruction count and
 * the data and stack pages must agree after every slice, and all of memory at the end.
 */
class JitMemoryDifferentialTest {

    /** Stack pages the loops use (ESP starts at TestMachine.STACK0). */
    private static final int STACK_LOW = TestMachine.STACK0 - 0x2000;

    @Test
    void translatedMemoryFormsMatchTheInterpreter() {
        int translated = 0;
        int faultedLate = 0;
        for (int seed = 0; seed < 150; seed++) {
            int[] program = FastFormDifferentialTest.program(new SplittableRandom(seed));
            // Some seeds put ESI near the end of a page, so [ESI+disp8] operands cross into the next.
            int esi = DATA + (seed % 3 == 0 ? 0 : seed % 3 == 1 ? 0xF90 : 0xFFD);
            TestMachine jit = machine(program, esi, true);
            TestMachine interp = machine(program, esi, false);
            runSideBySide(jit, interp, new SplittableRandom(seed * 31L + 7), "seed " + seed);
            assertArrayEquals(FastFormDifferentialTest.memory(interp), FastFormDifferentialTest.memory(jit),
                    "memory, seed " + seed);
            translated += jit.cpu.translatedBlocks();
            if (jit.handledVector() >= 0 && jit.cpu.instructionCount() > 100) {
                faultedLate++;
            }
        }
        assertTrue(translated > 200, "enough blocks were translated to test the tier: " + translated);
        assertTrue(faultedLate > 10, "enough loops fault after their blocks were translated: " + faultedLate);
    }

    /**
     * A loop that stores into the immediate of the instruction after the store, in its own block:
     * each pass must load the value just stored (the store leaves the translated code, the
     * interpreter's slow path ends the block, and the changed block is decoded and translated
     * again), with the instruction count exact at every slice.
     */
    @Test
    void storeIntoTheBlocksOwnCodeIsSeenByTheNextInstruction() {
        for (int translateAfter : new int[] {1, 3, 64}) {
            GuestCode code = new GuestCode();
            code.add(0xBD).add32(200);                          // mov ebp, 200
            int loop = CODE + code.size();
            int immediate = loop + 6 + 1;
            code.add(0x89, 0x2D).add32(immediate);              // mov [imm of the next mov], ebp
            code.add(0xB8).add32(0);                            // mov eax, imm32 (patched)
            code.add(0x01, 0xC2);                               // add edx, eax
            code.add(0x4D);                                     // dec ebp
            code.add(0x75, loop - (CODE + code.size() + 2));    // jnz loop
            code.add(0xF4);
            TestMachine jit = machine(code.toArray(), DATA, true);
            jit.cpu.setCompiling(translateAfter);
            TestMachine interp = machine(code.toArray(), DATA, false);
            jit.cpu.core().r[CpuCore.EDX] = 0;
            interp.cpu.core().r[CpuCore.EDX] = 0;
            runSideBySide(jit, interp, new SplittableRandom(translateAfter), "translate after " + translateAfter);
            assertEquals(200 * 201 / 2, jit.cpu.core().r[CpuCore.EDX], "every pass added the value it stored");
            if (translateAfter == 1) {
                // Later thresholds never translate it: each pass changes the block's code.
                assertTrue(jit.cpu.translatedBlocks() > 0, "the loop was translated");
            }
        }
    }

    /**
     * CMOVcc from memory reads its source whatever the condition: a loop of a CMOVNE that never
     * moves (ZF is set) and a CMOVE that does, walking up to an unmapped page, faults there with
     * #PF in both tiers at the same instruction, after its block ran translated.
     */
    @Test
    void conditionalMoveFromMemoryReadsWhenTheConditionFails() {
        GuestCode code = new GuestCode();
        code.add(0xBD).add32(FastFormDifferentialTest.HOLE - 0x200); // mov ebp, 512 bytes below the hole
        code.add(0x31, 0xC9);                                   // xor ecx, ecx
        int loop = CODE + code.size();
        code.add(0x39, 0xC0);                                   // cmp eax, eax: ZF set
        code.add(0x0F, 0x45, 0x4D, 0x00);                       // cmovne ecx, [ebp]: never moves
        code.add(0x0F, 0x44, 0x55, 0x00);                       // cmove edx, [ebp]: always moves
        code.add(0x83, 0xC5, 0x04);                             // add ebp, 4
        code.add(0xEB, loop - (CODE + code.size() + 2));        // jmp loop
        TestMachine jit = machine(code.toArray(), DATA, true);
        TestMachine interp = machine(code.toArray(), DATA, false);
        for (TestMachine m : new TestMachine[] {jit, interp}) {
            for (int i = 0x200; i > 0; i -= 4) {
                m.memory.writeU32(FastFormDifferentialTest.HOLE - i, i);
            }
        }
        runSideBySide(jit, interp, new SplittableRandom(11), "cmovcc from memory");
        assertEquals(14, jit.handledVector(), "the never-moving CMOVNE's read of the unmapped page faults");
        assertEquals(14, interp.handledVector());
        assertEquals(0, jit.cpu.core().r[CpuCore.ECX], "CMOVNE moved nothing");
        assertEquals(4, jit.cpu.core().r[CpuCore.EDX], "CMOVE moved the last dword below the hole");
        assertTrue(jit.cpu.translatedBlocks() > 0, "the loop ran translated");
    }

    /** The sieve's inner loops (byte stores, MOVZX loads, compare and branch) as one block each. */
    @Test
    void sieveLoopsMatchTheInterpreter() {
        GuestCode code = new GuestCode();
        code.add(0xBB).add32(2);                                // mov ebx, 2
        int outer = CODE + code.size();
        code.add(0x89, 0xD8);                                   // mov eax, ebx
        code.add(0x0F, 0xAF, 0xC3);                             // imul eax, ebx
        code.add(0x3D).add32(0x1000);                           // cmp eax, 0x1000
        int jaeDone = code.size();
        code.add(0x73, 0);                                      // jae done (patched)
        code.add(0x80, 0xBB).add32(DATA).add(0);                // cmp byte [DATA + ebx], 0
        int jeNext = code.size();
        code.add(0x74, 0);                                      // je next (patched)
        code.add(0x89, 0xC2);                                   // mov edx, eax
        int inner = CODE + code.size();
        code.add(0xC6, 0x82).add32(DATA).add(0);                // mov byte [DATA + edx], 0
        code.add(0x01, 0xDA);                                   // add edx, ebx
        code.add(0x81, 0xFA).add32(0x1000);                     // cmp edx, 0x1000
        code.add(0x72, inner - (CODE + code.size() + 2));       // jb inner
        int next = code.size();
        code.add(0x43);                                         // inc ebx
        code.add(0xEB, outer - (CODE + code.size() + 2));       // jmp outer
        int done = code.size();
        code.add(0x31, 0xC0);                                   // xor eax, eax
        code.add(0xBE).add32(DATA + 2);                         // mov esi, DATA + 2
        int count = CODE + code.size();
        code.add(0x0F, 0xB6, 0x16);                             // movzx edx, byte [esi]
        code.add(0x01, 0xD0);                                   // add eax, edx
        code.add(0x46);                                         // inc esi
        code.add(0x81, 0xFE).add32(DATA + 0x1000);              // cmp esi, DATA + 0x1000
        code.add(0x72, count - (CODE + code.size() + 2));       // jb count
        code.add(0xF4);
        int[] bytes = code.toArray();
        bytes[jaeDone + 1] = done - (jaeDone + 2);
        bytes[jeNext + 1] = next - (jeNext + 2);
        TestMachine jit = machine(bytes, DATA, true);
        TestMachine interp = machine(bytes, DATA, false);
        for (TestMachine m : new TestMachine[] {jit, interp}) {
            for (int i = 0; i < 0x1000; i += 4) {
                m.memory.writeU32(DATA + i, 0x01010101);
            }
        }
        runSideBySide(jit, interp, new SplittableRandom(5), "sieve");
        assertEquals(564, jit.cpu.core().r[CpuCore.EAX], "primes below 4096, less 0 and 1... counted from 2");
        assertArrayEquals(FastFormDifferentialTest.memory(interp), FastFormDifferentialTest.memory(jit), "memory");
    }

    private static TestMachine machine(int[] program, int esi, boolean compiling) {
        TestMachine m = FastFormDifferentialTest.machine(program, true);
        if (compiling) {
            m.cpu.setCompiling(1);
        }
        m.cpu.core().r[CpuCore.ESI] = esi;
        return m;
    }

    /**
     * Runs both machines in the same random slices until they halt, comparing CPU state and the
     * data and stack pages after every slice. Short slices end inside blocks; long ones let a
     * translated loop run many passes without returning.
     */
    private static void runSideBySide(TestMachine jit, TestMachine interp, SplittableRandom slices, String what) {
        VcpuExit exit;
        do {
            long budget = 1 + (slices.nextBoolean() ? slices.nextInt(60) : slices.nextInt(5000));
            exit = jit.cpu.run(budget);
            VcpuExit other = interp.cpu.run(budget);
            assertEquals(other.getClass(), exit.getClass(), "exit kind, " + what);
            String where = what + " after " + interp.cpu.instructionCount() + " instructions";
            CpuCore e = interp.cpu.core();
            CpuCore a = jit.cpu.core();
            assertArrayEquals(e.r, a.r, "registers, " + where);
            assertEquals(Integer.toHexString(e.eip), Integer.toHexString(a.eip), "EIP, " + where);
            assertEquals(Integer.toHexString(e.flags()), Integer.toHexString(a.flags()), "EFLAGS, " + where);
            assertEquals(interp.cpu.instructionCount(), jit.cpu.instructionCount(), "count, " + where);
            assertTrue(Arrays.equals(window(interp, DATA, 0x4000), window(jit, DATA, 0x4000)), "data pages, " + where);
            assertTrue(Arrays.equals(window(interp, STACK_LOW, 0x2000), window(jit, STACK_LOW, 0x2000)),
                    "stack pages, " + where);
        } while (!(exit instanceof VcpuExit.Halted) && jit.cpu.instructionCount() < 2_000_000);
        assertTrue(exit instanceof VcpuExit.Halted, what + " ends in a HLT");
    }

    private static byte[] window(TestMachine m, int at, int size) {
        byte[] b = new byte[size];
        m.memory.read(at, b, 0, size);
        return b;
    }
}
