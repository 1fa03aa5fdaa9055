package dev.tern.x86;

import dev.tern.spi.cpu.VcpuExit;
import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static dev.tern.x86.TestMachine.CODE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random loops of the compiling tier's subset (register MOV, MOV r/imm32, the eight group-1 ALU
 * operations register-register and register-immediate, TEST, INC/DEC, Jcc), mixed with instructions
 * outside it, run on two identical machines — one interpreting, one with the compiling tier — in the
 * same random run slices. Registers, EIP, EFLAGS and the instruction count must agree after every
 * slice, so translated blocks must leave the interpreter's state at every exit, and budgets that end
 * inside a block must stop at the same instruction.
 */
class JitDifferentialTest {

    private static final int PASSES = 300;
    /** Registers the loop bodies use: all but ESP and EBP (the loop counter). */
    static final int[] REGS = {0, 1, 2, 3, 6, 7};

    @Test
    void translatedBlocksMatchTheInterpreter() {
        int translated = 0;
        for (int seed = 0; seed < 120; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            int[] program = program(rnd);
            int[] registers = new int[8];
            for (int r : REGS) {
                registers[r] = rnd.nextInt();
            }
            TestMachine jit = machine(program, registers, true);
            TestMachine interp = machine(program, registers, false);
            runSideBySide(jit, interp, new SplittableRandom(seed * 31L + 7), "seed " + seed);
            assertEquals(0, interp.cpu.translatedBlocks(), "the interpreting machine translates nothing");
            translated += jit.cpu.translatedBlocks();
            var stats = jit.cpu.tierStats();
            for (String cause : java.util.stream.Stream.concat(stats.refused().keySet().stream(), stats.partial().keySet().stream()).toList()) {
                // Only the 16-bit ADD lies outside the subset among the generated forms.
                assertTrue(cause.contains("o16"), "seed " + seed + ": a generated form left the subset: " + cause);
            }
        }
        assertTrue(translated > 100, "enough blocks were translated to test the tier: " + translated);
    }

    @Test
    void chainedTranslationsMatchTheInterpreter() {
        // mov ebp, 2000; L: add eax, ebp; mov edx, eax; and edx, 1; jz E; xor ebx, eax; jmp N;
        // E: sub ecx, eax; N: dec ebp; jnz L; hlt -- four blocks, each translated, leading into another.
        GuestCode code = new GuestCode();
        code.add(0xBD).add32(2000);
        int loop = code.size();
        code.add(0x01, 0xE8).add(0x89, 0xC2).add(0x83, 0xE2, 0x01).add(0x74, 4);
        code.add(0x31, 0xC3).add(0xEB, 2);
        code.add(0x29, 0xC1);
        code.add(0x4D).add(0x75, loop - (code.size() + 2)).add(0xF4);
        int[] program = code.toArray();
        for (int seed = 0; seed < 10; seed++) {
            int[] registers = new int[8];
            SplittableRandom rnd = new SplittableRandom(seed);
            for (int r : REGS) {
                registers[r] = rnd.nextInt();
            }
            TestMachine jit = machine(program, registers, true);
            TestMachine interp = machine(program, registers, false);
            runSideBySide(jit, interp, new SplittableRandom(seed * 7L + 1), "chained, seed " + seed);
            var s = jit.cpu.tierStats();
            assertTrue(s.translated() >= 4 && s.chained() > 1000, "the loop's blocks ran chained: " + s.summary());
        }
    }

    static void runSideBySide(TestMachine jit, TestMachine interp, SplittableRandom slices, String what) {
        VcpuExit exit;
        do {
            // Short budgets end inside blocks (the interpreter runs those), long ones run them whole.
            long budget = 1 + (slices.nextBoolean() ? slices.nextInt(40) : slices.nextInt(2000));
            exit = jit.cpu.run(budget);
            VcpuExit other = interp.cpu.run(budget);
            assertEquals(other.getClass(), exit.getClass(), "exit kind, " + what);
            assertSameCpu(interp, jit, what);
        } while (!(exit instanceof VcpuExit.Halted) && jit.cpu.instructionCount() < 1_000_000);
        assertTrue(exit instanceof VcpuExit.Halted, what + " ends in a HLT");
    }

    private static void assertSameCpu(TestMachine expected, TestMachine actual, String what) {
        CpuCore e = expected.cpu.core();
        CpuCore a = actual.cpu.core();
        String where = what + " after " + expected.cpu.instructionCount() + " instructions";
        assertArrayEquals(e.r, a.r, "registers, " + where);
        assertEquals(Integer.toHexString(e.eip), Integer.toHexString(a.eip), "EIP, " + where);
        assertEquals(Integer.toHexString(e.flags()), Integer.toHexString(a.flags()), "EFLAGS, " + where);
        assertEquals(expected.cpu.instructionCount(), actual.cpu.instructionCount(), "count, " + where);
    }

    static TestMachine machine(int[] program, int[] registers, boolean compiling) {
        TestMachine m = new TestMachine().protectedMode().paging();
        if (compiling) {
            // Early enough that every loop is translated part-way through, after interpreted passes.
            m.cpu.setCompiling(64);
        } else {
            m.cpu.setCompiling(false);
        }
        m.code(program);
        CpuCore c = m.cpu.core();
        for (int r : REGS) {
            c.r[r] = registers[r];
        }
        return m;
    }

    /** {@code mov ebp, PASSES; L: body; dec ebp; jnz L; hlt}. */
    static int[] program(SplittableRandom rnd) {
        GuestCode code = new GuestCode();
        code.add(0xBD).add32(PASSES);
        int loop = CODE + code.size();
        int n = 1 + rnd.nextInt(28);
        for (int i = 0; i < n; i++) {
            instruction(code, rnd);
        }
        code.add(0x4D);
        if (rnd.nextBoolean()) {
            code.add(0x75, loop - (CODE + code.size() + 2));
        } else {
            code.add(0x0F, 0x85);
            code.add32(loop - (CODE + code.size() + 4));
        }
        code.add(0xF4);
        return code.toArray();
    }

    private static void instruction(GuestCode code, SplittableRandom rnd) {
        int d = REGS[rnd.nextInt(REGS.length)];
        int s = rnd.nextInt(8);
        int alu = rnd.nextInt(8);
        switch (rnd.nextInt(22)) {
            case 0 -> code.add((alu << 3) | 1, 0xC0 | (s << 3) | d);          // alu r/m32, r32
            case 1 -> code.add((alu << 3) | 3, 0xC0 | (d << 3) | s);          // alu r32, r/m32
            case 2 -> code.add(0x81, 0xC0 | (alu << 3) | d).add32(rnd.nextInt()); // alu r/m32, imm32
            case 3 -> code.add(0x83, 0xC0 | (alu << 3) | d, rnd.nextInt(256));  // alu r/m32, imm8
            case 4 -> code.add(0x85, 0xC0 | (s << 3) | d);                     // test
            case 5 -> code.add(0x89, 0xC0 | (s << 3) | d);                     // mov r/m32, r32
            case 6 -> code.add(0x8B, 0xC0 | (d << 3) | s);                     // mov r32, r/m32
            case 7 -> code.add(0xB8 + d).add32(rnd.nextInt());                 // mov r32, imm32
            case 8 -> code.add((rnd.nextBoolean() ? 0x40 : 0x48) + d);         // inc/dec
            case 9 -> code.add(0x70 + rnd.nextInt(16), 0);                     // jcc to the next instruction
            case 10 -> code.add(0x0F, 0x80 + rnd.nextInt(16)).add32(0);        // jcc rel32, same
            case 11 -> code.add(0x66, 0x01, 0xC0 | (s << 3) | d);              // 16-bit add: outside the subset
            case 12 -> code.add(alu << 3, 0xC0 | (s << 3) | d);                 // alu r/m8, r8 (byte registers)
            case 13 -> code.add(rnd.nextBoolean() ? 0x3C : 0x0C, rnd.nextInt(256)); // cmp/or al, imm8
            case 14 -> code.add(0x84, 0xC0 | (s << 3) | d);                     // test r/m8, r8
            case 15 -> code.add(0x80, 0xC0 | (alu << 3) | d, rnd.nextInt(256)); // alu r/m8, imm8
            case 16 -> code.add(0x0F, 0x90 + rnd.nextInt(16), 0xC0 | d);        // setcc r8
            case 17 -> code.add(0x0F, 0x40 + rnd.nextInt(16), 0xC0 | (d << 3) | s); // cmovcc r32, r32
            case 18 -> code.add(0x0F, rnd.nextBoolean() ? 0xB6 : 0xAF, 0xC0 | (d << 3) | s); // movzx r32, r8 / imul r32, r32
            case 19 -> code.add(0xD1, 0xC0 | (alu << 3) | d);                    // shift r32 by one
            case 20 -> code.add(0x0F, rnd.nextBoolean() ? 0xBE : 0xBF, 0xC0 | (d << 3) | s); // movsx r32, r8 / r16
            default -> code.add(0xC1, 0xE0 | d, rnd.nextInt(32));             // shl r32, imm8: a register form the translation calls
        }
    }
}
