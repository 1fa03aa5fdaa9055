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
 * Random loops of the instruction forms that decoded blocks execute through pre-decoded fast forms
 * (mixed with a few generic ones) run on two identical machines, one with fast forms and one
 * without, in the same random run slices. Registers, EIP, EFLAGS and the instruction count must
 * agree after every slice, and all of memory at the end — including loops that fault part-way
 * (a #PF on a page that one pass reaches, a #GP past a segment limit) once blocks are in use.
 */
class FastFormDifferentialTest {

    static final int DATA = 0x200000;
    static final int HOLE = 0x300000;
    private static final int PASSES = 12;

    @Test
    void fastFormsMatchTheGenericPath() {
        int blocksFaulted = 0;
        for (int seed = 0; seed < 150; seed++) {
            int[] program = program(new SplittableRandom(seed));
            TestMachine fast = machine(program, true);
            TestMachine generic = machine(program, false);
            runSideBySide(fast, generic, new SplittableRandom(seed * 31L + 7), 60, 20_000, "seed " + seed);
            if (fast.handledVector() >= 0 && fast.cpu.instructionCount() > 100) {
                blocksFaulted++;
            }
            assertArrayEquals(memory(generic), memory(fast), "memory, seed " + seed);
        }
        assertTrue(blocksFaulted > 10, "enough loops fault after blocks are in use: " + blocksFaulted);
    }

    /**
     * CMP, TEST, the register-destination ALU forms (ADC/SBB too) and the read-modify-write memory
     * forms (store first) record their flags without a rollback copy, as their last effect: a memory operand that faults (#PF at {@link #HOLE}, reached in pass 6
     * inside a decoded block) must leave the flags of the instruction before, as the generic path does.
     */
    @Test
    void faultingFlagFormsKeepThePreviousFlags() {
        int disp = HOLE - 0x800 * 6;
        int[][] loads = {
                {0x3B, 0x04, 0xFD}, // cmp eax, [edi*8+disp32]
                {0x39, 0x04, 0xFD}, // cmp [edi*8+disp32], eax
                {0x85, 0x04, 0xFD}, // test [edi*8+disp32], eax
                {0x03, 0x04, 0xFD}, // add eax, [edi*8+disp32]
                {0x33, 0x04, 0xFD}, // xor eax, [edi*8+disp32]
                {0x81, 0x3C, 0xFD}, // cmp dword [edi*8+disp32], imm32 (imm follows disp)
                {0x13, 0x04, 0xFD}, // adc eax, [edi*8+disp32]
                {0x1B, 0x04, 0xFD}, // sbb eax, [edi*8+disp32]
                {0x01, 0x04, 0xFD}, // add [edi*8+disp32], eax (store, then flags)
                {0x11, 0x04, 0xFD}, // adc [edi*8+disp32], eax
                {0x29, 0x04, 0xFD}, // sub [edi*8+disp32], eax
                {0x81, 0x34, 0xFD}, // xor dword [edi*8+disp32], imm32
                {0x81, 0x1C, 0xFD}, // sbb dword [edi*8+disp32], imm32
        };
        for (int[] load : loads) {
            GuestCode code = new GuestCode();
            code.add(0xBD).add32(PASSES);
            int loop = CODE + code.size();
            code.add(0x05).add32(0x7fffffff); // add eax, imm32: OF/SF/CF vary by pass
            code.add(load).add32(disp);
            if (load[0] == 0x81) {
                code.add32(0x1234);
            }
            code.add(0x81, 0xC7).add32(0x100);
            code.add(0x4D);
            code.add(0x0F, 0x85).add32(loop - (CODE + code.size() + 4));
            code.add(0xF4);
            TestMachine fast = machine(code.toArray(), true);
            TestMachine generic = machine(code.toArray(), false);
            fast.cpu.run(10_000);
            generic.cpu.run(10_000);
            assertEquals(14, fast.handledVector(), "#PF taken, opcode " + load[0]);
            assertSameCpu(generic, fast, "opcode " + Integer.toHexString(load[0]));
            assertArrayEquals(memory(generic), memory(fast), "memory (pushed EFLAGS), opcode " + load[0]);
        }
    }

    /**
     * Every fusable first instruction (CMP in each operand form, TEST, INC, DEC) with every Jcc
     * condition, on operands drawn from edge values so each condition goes both ways, in run slices
     * of 1-7 instructions so budgets often end between the two halves of a fused pair.
     */
    @Test
    void fusedCompareAndBranchMatchesTheGenericPath() {
        int[][] firsts = {
                {0x39, 0xD8},             // cmp eax, ebx
                {0x3B, 0xC3},             // cmp eax, ebx (r, r/m)
                {0x83, 0xF8, 0x05},       // cmp eax, 5
                {0x81, 0xFB, 0x00, 0x00, 0x00, 0x80}, // cmp ebx, 0x80000000
                {0x3D, 0xFF, 0xFF, 0xFF, 0x7F},       // cmp eax, 0x7fffffff
                {0x3B, 0x44, 0x3E, 0x08}, // cmp eax, [esi+edi+8]
                {0x39, 0x5C, 0x3E, 0x08}, // cmp [esi+edi+8], ebx
                {0x83, 0x7C, 0x3E, 0x08, 0xFF},       // cmp dword [esi+edi+8], -1
                {0x80, 0x7C, 0x3E, 0x08, 0x80},       // cmp byte [esi+edi+8], 0x80
                {0x80, 0xFB, 0x01},       // cmp bl, 1
                {0x85, 0xC3},             // test ebx, eax
                {0x85, 0x44, 0x3E, 0x08}, // test [esi+edi+8], eax
                {0x40},                   // inc eax
                {0x4B},                   // dec ebx
        };
        int[] edges = {0, 1, -1, 5, 0x7fffffff, 0x80000000, 0x80, 0xff, 0x100, 0x7f};
        for (int[] first : firsts) {
            int bothWays = 0;
            for (int cc = 0; cc < 16; cc++) {
                GuestCode code = new GuestCode();
                code.add(0xBD).add32(40);                   // mov ebp, 40
                int loop = CODE + code.size();
                code.add(0x8B, 0x04, 0x3E);                 // mov eax, [esi+edi]
                code.add(0x8B, 0x5C, 0x3E, 0x04);           // mov ebx, [esi+edi+4]
                code.add(first);
                code.add(0x70 + cc, 0x01);                  // jcc over the inc
                code.add(0x42);                             // inc edx
                code.add(0x83, 0xC7, 0x0C);                 // add edi, 12
                code.add(0x4D);                             // dec ebp
                code.add(0x0F, 0x85).add32(loop - (CODE + code.size() + 4));
                code.add(0xF4);
                TestMachine fast = machine(code.toArray(), true);
                TestMachine generic = machine(code.toArray(), false);
                SplittableRandom values = new SplittableRandom(cc * 131L + first[0]);
                for (int i = 0; i < 40 * 12 + 12; i += 4) {
                    int v = edges[values.nextInt(edges.length)];
                    fast.memory.writeU32(DATA + i, v);
                    generic.memory.writeU32(DATA + i, v);
                }
                runSideBySide(fast, generic, new SplittableRandom(cc), 7, 5_000,
                        "first opcode " + Integer.toHexString(first[0]) + ", cc " + cc);
                int notTaken = fast.cpu.core().r[CpuCore.EDX];
                if (notTaken > 0 && notTaken < 40) {
                    bothWays++;
                }
            }
            // Some conditions cannot go both ways for some operands (JO after TEST, JL against INT_MIN).
            assertTrue(bothWays >= 10, bothWays + " of 16 conditions went both ways, first opcode "
                    + Integer.toHexString(first[0]));
        }
    }

    /** A Jcc after a CMP whose target lies past the CS limit is not fused: #GP at the Jcc, after the CMP. */
    @Test
    void branchPastTheCodeLimitFaultsAtTheJcc() {
        GuestCode code = new GuestCode();
        code.add(0xBD).add32(PASSES);
        int loop = CODE + code.size();
        code.add(0x83, 0xFD, 0x03);                         // cmp ebp, 3
        code.add(0x0F, 0x84).add32(0x7000_0000);            // je far past the limit when ebp == 3
        code.add(0x4D);                                     // dec ebp
        code.add(0x0F, 0x85).add32(loop - (CODE + code.size() + 4));
        code.add(0xF4);
        TestMachine fast = machine(code.toArray(), true);
        TestMachine generic = machine(code.toArray(), false);
        for (TestMachine m : new TestMachine[] {fast, generic}) {
            m.cpu.core().seg[CpuCore.CS].set(TestMachine.CODE0, 0, 0x0fff_ffff, 0xc09b, true);
            m.cpu.run(10_000);
            assertEquals(13, m.handledVector(), "#GP at the je");
        }
        assertSameCpu(generic, fast, "je past the limit");
    }

    /**
     * Runs both machines in the same random slices of 1..{@code maxSlice} instructions until they
     * halt (at most {@code limit} instructions), comparing the CPUs after every slice.
     */
    private static void runSideBySide(TestMachine fast, TestMachine generic, SplittableRandom slices, int maxSlice,
                                      long limit, String what) {
        VcpuExit exit;
        do {
            long budget = 1 + slices.nextInt(maxSlice);
            exit = fast.cpu.run(budget);
            VcpuExit other = generic.cpu.run(budget);
            assertEquals(other.getClass(), exit.getClass(), "exit kind, " + what);
            assertSameCpu(generic, fast, what);
        } while (!(exit instanceof VcpuExit.Halted) && fast.cpu.instructionCount() < limit);
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

    static byte[] memory(TestMachine m) {
        byte[] all = new byte[4 << 20];
        m.memory.read(0, all, 0, all.length);
        return all;
    }

    static TestMachine machine(int[] program, boolean fastForms) {
        TestMachine m = new TestMachine().protectedMode().paging();
        m.memory.writeU32(m.pte(HOLE), 0);
        m.cpu.setFastForms(fastForms);
        m.code(program);
        CpuCore c = m.cpu.core();
        c.seg[CpuCore.FS].set(TestMachine.DATA16, 0, 0xffff, 0x0093, true);
        c.r[CpuCore.ESI] = DATA;
        for (int i = 0; i < 0x4000; i += 4) {
            m.memory.writeU32(DATA + i, i * 0x9E3779B1);
        }
        return m;
    }

    /**
     * {@code mov ebp, PASSES; L: body; add edi, 0x100; dec ebp; jnz L; hlt}. The body writes only
     * EAX..EDX, memory through [ESI+disp8], [ESI+EDI*4+disp8] and [EDI*8+disp32], and the stack;
     * EDI grows each pass, so a [EDI*8+disp32] operand can reach the unmapped page at {@link #HOLE}
     * in a later pass, when the loop already runs as decoded blocks.
     */
    static int[] program(SplittableRandom rnd) {
        GuestCode code = new GuestCode();
        code.add(0xBD).add32(PASSES);
        int loop = CODE + code.size();
        int n = 4 + rnd.nextInt(20);
        for (int i = 0; i < n; i++) {
            instruction(code, rnd);
        }
        code.add(0x81, 0xC7).add32(0x100);
        code.add(0x4D);
        code.add(0x0F, 0x85);
        code.add32(loop - (CODE + code.size() + 4));
        code.add(0xF4);
        return code.toArray();
    }

    private static void instruction(GuestCode code, SplittableRandom rnd) {
        int r = rnd.nextInt(4);
        int alu = rnd.nextInt(8);
        switch (rnd.nextInt(36)) {
            case 0 -> modrm(code.add((alu << 3) | 1), rnd, rnd.nextInt(8));
            case 1 -> modrm(code.add((alu << 3) | 3), rnd, r);
            case 2 -> modrm(code.add((alu << 3)), rnd, rnd.nextInt(8));
            case 3 -> modrm(code.add((alu << 3) | 2), rnd, rnd.nextInt(8));
            case 4 -> code.add((alu << 3) | 4, rnd.nextInt(256));
            case 5 -> code.add((alu << 3) | 5).add32(rnd.nextInt());
            case 6 -> modrm(code.add(0x81), rnd, alu).add32(rnd.nextInt());
            case 7 -> modrm(code.add(0x83), rnd, alu).add(rnd.nextInt(256));
            case 8 -> modrm(code.add(0x80), rnd, alu).add(rnd.nextInt(256));
            case 9 -> modrm(code.add(rnd.nextBoolean() ? 0x84 : 0x85), rnd, rnd.nextInt(8));
            case 10 -> modrm(code.add(0x88 + rnd.nextInt(2)), rnd, rnd.nextInt(8));
            case 11 -> modrm(code.add(0x8A + rnd.nextInt(2)), rnd, r);
            case 12 -> code.add(0xB8 + r).add32(rnd.nextInt());
            case 13 -> modrm(code.add(0xC7), rnd, 0).add32(rnd.nextInt());
            case 14 -> modrm(code.add(0xC6), rnd, 0).add(rnd.nextInt(256));
            case 15 -> code.add(0x40 + r + (rnd.nextBoolean() ? 8 : 0));
            case 16 -> code.add(0x50 + rnd.nextInt(8)).add(0x58 + r);
            case 17 -> memory(code.add(0x8D), rnd, r);
            case 18 -> code.add(0x70 + rnd.nextInt(16), 0);
            case 19 -> code.add(0x0F, 0x80 + rnd.nextInt(16)).add32(0);
            case 20 -> {
                if (rnd.nextBoolean()) {
                    code.add(0xEB, 0);
                } else {
                    code.add(0xE9).add32(0);
                }
            }
            case 21 -> code.add(0xE8).add32(0).add(0x58 + r);
            case 22 -> {
                int after = CODE + code.size() + 6;
                code.add(0x68).add32(after).add(0xC3);
            }
            case 23 -> modrm(code.add(0x0F, 0xB6 + rnd.nextInt(2)), rnd, r);
            case 24 -> modrm(code.add(0xC1), rnd, alu).add(rnd.nextInt(256));
            case 25 -> code.add(0xA9).add32(rnd.nextInt());
            case 26 -> {
                if (rnd.nextBoolean()) {
                    code.add(0x6A, rnd.nextInt(256));
                } else {
                    code.add(0x68).add32(rnd.nextInt());
                }
                code.add(0x58 + r);
            }
            case 27 -> modrm(code.add(0x66, 0x01 + 2 * rnd.nextInt(2)), rnd, r);
            case 28 -> modrm(code.add(0xF7), rnd, 3);
            case 29 -> modrm(code.add(0x0F, 0xAF), rnd, r);                          // imul r, r/m
            case 30 -> {
                if (rnd.nextBoolean()) {
                    modrm(code.add(0x69), rnd, r).add32(rnd.nextInt());            // imul r, r/m, imm32
                } else {
                    modrm(code.add(0x6B), rnd, r).add(rnd.nextInt(256));           // imul r, r/m, imm8
                }
            }
            case 31 -> modrm(code.add(0x0F, 0x90 + rnd.nextInt(16)), rnd, 0);       // setcc r/m8
            case 32 -> modrm(code.add(0x0F, 0x40 + rnd.nextInt(16)), rnd, r);       // cmovcc r, r/m
            case 33 -> modrm(code.add(0xD1), rnd, alu);                              // shift r/m by one
            case 34 -> modrm(code.add(0x0F, 0xBE + rnd.nextInt(2)), rnd, r);        // movsx r, r/m8 / r/m16
            default -> {
                // A load through FS, whose 64 KiB limit the address exceeds: #GP.
                if (rnd.nextInt(4) == 0) {
                    code.add(0x64, 0x8B, (r << 3) | 5).add32(0x10000 + rnd.nextInt(0x1000));
                } else {
                    code.add(0x90);
                }
            }
        }
    }

    /** A ModRM operand: a register (0..3 as r/m) or one of the memory forms. */
    private static GuestCode modrm(GuestCode code, SplittableRandom rnd, int reg) {
        if (rnd.nextInt(3) == 0) {
            return code.add(0xC0 | (reg << 3) | rnd.nextInt(4));
        }
        return memory(code, rnd, reg);
    }

    private static GuestCode memory(GuestCode code, SplittableRandom rnd, int reg) {
        return switch (rnd.nextInt(7)) {
            case 0, 1, 2 -> code.add(0x40 | (reg << 3) | 6, rnd.nextInt(128));
            case 3, 4, 5 -> code.add(0x44 | (reg << 3), 0xBE, rnd.nextInt(128));
            default -> {
                // [EDI*8 + disp32]: pass p addresses 0x800 * p + disp, reaching HOLE at pass pf.
                int pf = 4 + rnd.nextInt(PASSES - 4);
                int disp = HOLE - 0x800 * pf + rnd.nextInt(0x800) - 3;
                yield code.add(0x04 | (reg << 3), 0xFD).add32(disp);
            }
        };
    }
}
