package dev.tern.x86;

import dev.tern.spi.cpu.VcpuExit;
import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;

import static dev.tern.x86.TestMachine.CODE;
import static dev.tern.x86.TestMachine.GDT;
import static dev.tern.x86.TestMachine.IDT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExceptionTest {

    private static TestMachine run(int... code) {
        TestMachine m = new TestMachine().protectedMode();
        m.code(code);
        m.run();
        return m;
    }

    @Test
    void divideByZeroIsFaultAtTheDivide() {
        TestMachine m = run(0x31, 0xC9, 0xF7, 0xF1);        // xor ecx, ecx; div ecx
        assertEquals(0, m.handledVector());
        assertEquals(CODE + 2, m.stack(0));
    }

    @Test
    void invalidOpcode() {
        TestMachine m = run(0x0F, 0x0B);
        assertEquals(6, m.handledVector());
        assertEquals(CODE, m.stack(0));
    }

    @Test
    void selectorBeyondGdtLimitIsGeneralProtection() {
        TestMachine m = run(0x66, 0xB8, 0x5B, 0x00, 0x8E, 0xD8);   // mov ax, 0x5b; mov ds, ax
        assertEquals(13, m.handledVector());
        assertEquals(0x58, m.stack(0));
        assertEquals(CODE + 4, m.stack(1));
    }

    @Test
    void notPresentDataSegment() {
        TestMachine m = new TestMachine().protectedMode();
        m.descriptor(GDT, 8, TestMachine.segment(0, 0xffff, 0x13, 0));
        m.code(0x66, 0xB8, 0x40, 0x00, 0x8E, 0xD8);
        m.run();
        assertEquals(11, m.handledVector());
        assertEquals(0x40, m.stack(0));
    }

    @Test
    void notPresentStackSegmentIsStackFault() {
        TestMachine m = new TestMachine().protectedMode();
        m.descriptor(GDT, 8, TestMachine.segment(0, 0xfffff, 0x13, 0xc));
        m.code(0x66, 0xB8, 0x40, 0x00, 0x8E, 0xD0);
        m.run();
        assertEquals(12, m.handledVector());
        assertEquals(0x40, m.stack(0));
    }

    @Test
    void invalidRing0StackInTssIsInvalidTss() {
        TestMachine m = new TestMachine().protectedMode();
        m.memory.writeU32(TestMachine.TSS + 8, TestMachine.CODE0);
        // #TS goes through a conforming segment, so it is delivered at CPL 3 without the broken stack.
        int handler = TestMachine.HANDLERS + 0x1100;
        m.descriptor(IDT, 10, TestMachine.gate(TestMachine.CONFORMING, handler, 0xe, 0, 0));
        m.poke(handler, 0xEB, 0xFE);                        // jmp $ (HLT would #GP at CPL 3)
        int user = CODE + 0x100;
        m.code(0x6A, 0x23, 0x68, 0x00, 0x00, 0x09, 0x00, 0x6A, 0x02, 0x6A, 0x1B,
                0x68, user & 0xff, (user >> 8) & 0xff, (user >> 16) & 0xff, 0, 0xCF);
        m.poke(user, 0xCD, 0x80);
        assertInstanceOf(VcpuExit.BudgetExhausted.class, m.cpu.run(100));
        assertEquals(handler, m.cpu.core().eip);
        assertEquals(3, m.cpu.core().cpl);
        assertEquals(TestMachine.CODE0, m.stack(0));
        assertEquals(user, m.stack(1));
    }

    @Test
    void brokenRing0StackWithoutEscapeIsTripleFault() {
        TestMachine m = new TestMachine().protectedMode();
        m.memory.writeU32(TestMachine.TSS + 8, TestMachine.CODE0);
        int user = CODE + 0x100;
        m.code(0x6A, 0x23, 0x68, 0x00, 0x00, 0x09, 0x00, 0x6A, 0x02, 0x6A, 0x1B,
                0x68, user & 0xff, (user >> 8) & 0xff, (user >> 16) & 0xff, 0, 0xCF);
        m.poke(user, 0xCD, 0x80);
        // #TS, then #DF, both need the broken ring-0 stack.
        assertInstanceOf(VcpuExit.Shutdown.class, m.run());
        assertEquals(6, m.cpu.instructionCount());
    }

    @Test
    void faultWhileDeliveringGeneralProtectionIsDoubleFault() {
        TestMachine m = new TestMachine().protectedMode();
        m.memory.writeU32(IDT + 13 * 8 + 4, m.peek32(IDT + 13 * 8 + 4) & ~0x8000);  // #GP gate not present
        m.code(0x66, 0xB8, 0x5B, 0x00, 0x8E, 0xD8);
        m.run();
        assertEquals(8, m.handledVector());
        assertEquals(0, m.stack(0));
    }

    @Test
    void tripleFaultShutsDown() {
        TestMachine m = new TestMachine().protectedMode();
        m.cpu.core().idtLimit = 0;
        m.code(0x0F, 0x0B);
        VcpuExit exit = m.run();
        assertInstanceOf(VcpuExit.Shutdown.class, exit);
        assertTrue(((VcpuExit.Shutdown) exit).reason().contains("triple fault"));
        assertEquals(0, m.cpu.instructionCount());
    }

    @Test
    void privilegedInstructionInRing3() {
        TestMachine m = new TestMachine().protectedMode();
        int user = CODE + 0x100;
        m.code(0x6A, 0x23, 0x68, 0x00, 0x00, 0x09, 0x00, 0x6A, 0x02, 0x6A, 0x1B,
                0x68, user & 0xff, (user >> 8) & 0xff, (user >> 16) & 0xff, 0, 0xCF);
        m.poke(user, 0xF4);                                  // hlt at CPL 3
        m.run();
        assertEquals(13, m.handledVector());
        assertEquals(0, m.stack(0));
        assertEquals(user, m.stack(1));
        assertEquals(0, m.cpu.core().cpl);
    }

    @Test
    void faultingInstructionLeavesFlagsAndRegistersIntact() {
        TestMachine m = new TestMachine().protectedMode().paging();
        m.memory.writeU32(0x5000, -5);
        m.memory.writeU32(m.pte(0x5000), 0x5000 | 5);       // read-only
        m.code(0xB8, 5, 0, 0, 0,                            // mov eax, 5
                0x01, 0x05, 0x00, 0x50, 0x00, 0x00);         // add [0x5000], eax -> #PF on the write
        m.run();
        assertEquals(14, m.handledVector());
        assertEquals(5, m.cpu.core().r[CpuCore.EAX]);
        // Fault-class exceptions push RF = 1 (SDM "Debug Exceptions"); the rest is as before the ADD.
        assertEquals(CpuCore.RF | 2, m.stack(3), "EFLAGS pushed are those before the faulting ADD");
        assertEquals(-5, m.peek32(0x5000));
    }
}
