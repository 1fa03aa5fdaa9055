package dev.tern.x86;

import dev.tern.spi.cpu.VcpuExit;
import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.tern.x86.TestMachine.CODE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Instruction counting, REP semantics, interrupts, HLT, A20 and state save/load. */
class ExecutionTest {

    /** A loop with a REP STOSB and a REP MOVSD: 1 + 3*10 + 1 + 1 + 6 + 1 + 1 + 4 + 1 instructions. */
    private static final int[] PROGRAM = {
        0xB9, 10, 0, 0, 0,              // mov ecx, 10
        0x40,                           // L: inc eax
        0x49,                           // dec ecx
        0x75, 0xFC,                     // jnz L
        0xBF, 0x00, 0x60, 0, 0,         // mov edi, 0x6000
        0xB0, 0x5A,                     // mov al, 0x5a
        0xB1, 6,                        // mov cl, 6
        0xF3, 0xAA,                     // rep stosb
        0xBE, 0x00, 0x60, 0, 0,         // mov esi, 0x6000
        0xBF, 0x00, 0x70, 0, 0,         // mov edi, 0x7000
        0xB1, 4,                        // mov cl, 4 (dwords: 6 stored bytes and 10 zero bytes)
        0xF3, 0xA5,                     // rep movsd
        0xF4,                           // hlt
    };

    private static final long PROGRAM_COUNT = 1 + 30 + 1 + 1 + 1 + 6 + 1 + 1 + 1 + 4 + 1;

    @Test
    void countsEveryRepIterationAsOneInstruction() {
        TestMachine m = new TestMachine().protectedMode();
        m.code(PROGRAM);
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        assertEquals(PROGRAM_COUNT, m.cpu.instructionCount());
        assertEquals(0x5a5a5a5a, m.peek32(0x7000));
        assertEquals(0x5a5a, m.peek32(0x7004));
        assertEquals(0x5a, m.cpu.core().r[CpuCore.EAX], "10 increments, then AL overwritten");
    }

    @Test
    void singleSteppingByBudgetGivesTheSameStateAsOneRun() {
        TestMachine whole = new TestMachine().protectedMode();
        whole.code(PROGRAM);
        whole.run();
        TestMachine stepped = new TestMachine().protectedMode();
        stepped.code(PROGRAM);
        long exits = 0;
        VcpuExit exit;
        do {
            exit = stepped.cpu.run(1);
            exits++;
            assertTrue(exits <= PROGRAM_COUNT, "must halt within the program's instruction count");
        } while (exit instanceof VcpuExit.BudgetExhausted);
        assertInstanceOf(VcpuExit.Halted.class, exit);
        assertEquals(PROGRAM_COUNT, exits);
        assertSameState(whole.cpu.save(), stepped.cpu.save());
    }

    @Test
    void budgetEndsInsideRepWithEipOnTheRepInstruction() {
        TestMachine m = new TestMachine().protectedMode();
        m.code(PROGRAM);
        int repStosb = CODE + 18;
        assertInstanceOf(VcpuExit.BudgetExhausted.class, m.cpu.run(1 + 30 + 3 + 2));
        assertEquals(repStosb, m.cpu.core().eip);
        assertEquals(4, m.cpu.core().r[CpuCore.ECX]);
    }

    static void assertSameState(X86State a, X86State b) {
        assertArrayEquals(a.gprs(), b.gprs());
        assertEquals(a.eip(), b.eip());
        assertEquals(a.eflags(), b.eflags());
        assertEquals(a.segments(), b.segments());
        assertEquals(a.instructionCount(), b.instructionCount());
        assertEquals(a.halted(), b.halted());
    }

    @Test
    void repMovsbHonoursSourceSegmentOverrideInRealMode() {
        TestMachine m = new TestMachine();
        CpuCore c = m.cpu.core();
        c.seg[CpuCore.CS].loadReal(0);
        c.seg[CpuCore.FS].loadReal(0x200);
        c.seg[CpuCore.ES].loadReal(0x300);
        c.eip = 0x1000;
        c.r[CpuCore.ECX] = 5;
        c.r[CpuCore.ESI] = 0x10;
        c.r[CpuCore.EDI] = 0x20;
        m.poke(0x2010, 1, 2, 3, 4, 5, 6);
        m.poke(0x1000, 0xF3, 0x64, 0xA4, 0xF4);             // rep movs byte es:[di], fs:[si]
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        assertEquals(0x04030201, m.peek32(0x3020));
        assertEquals(5, m.memory.readU8(0x3024));
        assertEquals(0, m.memory.readU8(0x3025));
        assertEquals(0x15, c.r[CpuCore.ESI]);
        assertEquals(0, c.r[CpuCore.ECX]);
        assertEquals(6, m.cpu.instructionCount());
    }

    @Test
    void repeCmpsbStopsAtFirstDifference() {
        TestMachine m = new TestMachine().protectedMode();
        m.poke(0x6000, 'a', 'b', 'c', 'd');
        m.poke(0x7000, 'a', 'b', 'x', 'd');
        m.code(0xBE, 0, 0x60, 0, 0, 0xBF, 0, 0x70, 0, 0, 0xB9, 4, 0, 0, 0, 0xF3, 0xA6, 0xF4);
        m.run();
        CpuCore c = m.cpu.core();
        assertEquals(1, c.r[CpuCore.ECX]);
        assertEquals(0x6003, c.r[CpuCore.ESI]);
        assertEquals(0, c.flags() & CpuCore.ZF);
        assertEquals(3 + 3 + 1, m.cpu.instructionCount());
    }

    @Test
    void interruptWakesHaltAndIsTakenAfterStiShadow() {
        TestMachine m = new TestMachine().protectedMode();
        m.code(0xFB, 0x90, 0x90, 0xF4);                     // sti; nop; nop; hlt
        m.vectors.add(0x30);
        m.cpu.setInterruptRequest(true);
        m.run();
        m.cpu.setInterruptRequest(false);
        assertEquals(0x30, m.handledVector());
        assertEquals(CODE + 2, m.stack(0), "taken after STI and the one shadowed instruction");
        assertEquals(3, m.cpu.instructionCount());
    }

    @Test
    void haltedCpuStaysHaltedUntilAnInterrupt() {
        TestMachine m = new TestMachine().protectedMode();
        m.cpu.core().setFlag(CpuCore.IF, true);
        m.code(0xF4, 0x90, 0xF4);
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        assertEquals(1, m.cpu.instructionCount());
        m.vectors.add(0x31);
        m.cpu.setInterruptRequest(true);
        m.run();
        assertEquals(0x31, m.handledVector());
        assertEquals(CODE + 1, m.stack(0));
        assertEquals(2, m.cpu.instructionCount());
    }

    @Test
    void requestExitStopsAtInstructionBoundary() {
        TestMachine m = new TestMachine().protectedMode();
        m.code(0xEB, 0xFE);
        m.cpu.requestExit();
        assertInstanceOf(VcpuExit.ExitRequested.class, m.cpu.run(100));
        assertEquals(0, m.cpu.instructionCount());
        assertInstanceOf(VcpuExit.BudgetExhausted.class, m.cpu.run(100));
        assertEquals(100, m.cpu.instructionCount());
    }

    @Test
    void a20GateWrapsAtOneMegabyte() {
        TestMachine m = new TestMachine();
        CpuCore c = m.cpu.core();
        c.seg[CpuCore.CS].loadReal(0);
        c.seg[CpuCore.DS].loadReal(0xffff);
        c.eip = 0x1000;
        m.poke(0x1000, 0xC6, 0x06, 0x10, 0x00, 0x77, 0xF4);  // mov byte [0x10], 0x77 -> 0x100000
        m.cpu.setA20(false);
        m.run();
        assertEquals(0x77, m.memory.readU8(0));
        assertEquals(0, m.memory.readU8(0x100000));
    }

    @Test
    void stateRoundTripsAndImpossibleStatesAreRejected() {
        TestMachine m = new TestMachine().protectedMode();
        m.code(PROGRAM);
        m.cpu.run(20);
        X86State saved = m.cpu.save();
        TestMachine other = new TestMachine().protectedMode();
        other.code(PROGRAM);
        other.cpu.load(saved);
        m.run();
        other.run();
        assertSameState(m.cpu.save(), other.cpu.save());
        X86State bad = new X86State(saved.gprs(), saved.eip(), saved.eflags(), saved.segments(), saved.ldtr(),
                saved.tr(), saved.gdtBase(), saved.gdtLimit(), saved.idtBase(), saved.idtLimit(), 0x80000000,
                0, 0, 0, saved.dr(), 0, 0, 0, 0, false, false, false, true, X86State.FPU_POWER_ON);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.cpu.load(bad));
        assertTrue(e.getMessage().contains("paging without protection"), e.getMessage());
        X86State shortRegs = new X86State(Arrays.copyOf(saved.gprs(), 7), saved.eip(), saved.eflags(),
                saved.segments(), saved.ldtr(), saved.tr(), 0, 0, 0, 0, saved.cr0(), 0, 0, 0, saved.dr(), 0, 0, 0, 0,
                false, false, false, true, X86State.FPU_POWER_ON);
        assertTrue(m.cpu.sections().getFirst() instanceof CpuStateSection s && s.validate(shortRegs).isPresent());
    }

    @Test
    void cpuidReportsGenuineIntelFamily6WithImplementedFeaturesOnly() {
        TestMachine m = new TestMachine().protectedMode();
        m.code(0x31, 0xC0, 0x0F, 0xA2, 0x89, 0xDE,            // xor eax,eax; cpuid; mov esi, ebx
                0xB8, 1, 0, 0, 0, 0x0F, 0xA2, 0xF4);           // mov eax,1; cpuid; hlt
        m.run();
        CpuCore c = m.cpu.core();
        assertEquals(0x756e6547, c.r[CpuCore.ESI]);
        assertEquals(6, (c.r[CpuCore.EAX] >> 8) & 0xf);
        int edx = c.r[CpuCore.EDX];
        assertEquals(0, edx & 1, "no FPU until the x87 unit is attached");
        assertEquals(0, edx & 1 << 24, "nor FXSR");
        assertEquals((1 << 1) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 8) | (1 << 11) | (1 << 13) | (1 << 15), edx,
                "VME, PSE, TSC, MSR, CX8, SEP, PGE, CMOV");
    }

    @Test
    void unknownMsrIsGeneralProtection() {
        TestMachine m = new TestMachine().protectedMode();
        m.code(0xB9, 0x34, 0x12, 0, 0, 0x0F, 0x32);            // mov ecx, 0x1234; rdmsr
        m.run();
        assertEquals(13, m.handledVector());
    }

    @Test
    void popToAnEspBasedAddressUsesTheIncrementedEsp() {
        // sub esp,4; push 0x1234; pop dword [esp]; pop eax; hlt  (Linux's local_irq_save idiom)
        TestMachine m = new TestMachine().protectedMode();
        m.code(0x83, 0xEC, 0x04, 0x68, 0x34, 0x12, 0, 0, 0x8F, 0x04, 0x24, 0x58, 0xF4);
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        assertEquals(0x1234, m.cpu.core().r[CpuCore.EAX]);
        assertEquals(TestMachine.STACK0, m.esp());
    }
}
