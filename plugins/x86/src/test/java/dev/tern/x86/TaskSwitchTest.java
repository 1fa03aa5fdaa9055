package dev.tern.x86;

import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;
import org.junit.jupiter.api.Test;

import static dev.tern.x86.TestMachine.CODE;
import static dev.tern.x86.TestMachine.GDT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hardware task switches: a double fault through a task gate, as Linux/i386 handles #DF, and 80286 (16-bit) tasks. */
class TaskSwitchTest {

    private static final int TSS16 = 0x3400, TSS16_SEL = 0x58, TASK16_CODE = 0x8000;

    /**
     * A 32-bit task and an available 80286 TSS at {@link #TSS16} (selector 0x58, limit
     * {@code limit}) whose task runs {@code code16} at 0x8000 in the 16-bit code segment, with
     * AX=0x1234, SP=0x7000 and 16-bit data segments.
     */
    private static TestMachine withTask16(int limit, int... code16) {
        TestMachine m = new TestMachine().protectedMode();
        m.descriptor(GDT, TSS16_SEL >> 3, TestMachine.segment(TSS16, limit, 0x81, 0));
        m.memory.writeU16(TSS16 + 0x0e, TASK16_CODE);
        m.memory.writeU16(TSS16 + 0x10, 0x0002);
        m.memory.writeU16(TSS16 + 0x12, 0x1234);
        m.memory.writeU16(TSS16 + 0x1a, 0x7000);
        m.memory.writeU16(TSS16 + 0x22, TestMachine.DATA16);
        m.memory.writeU16(TSS16 + 0x24, TestMachine.CODE16);
        m.memory.writeU16(TSS16 + 0x26, TestMachine.DATA16);
        m.memory.writeU16(TSS16 + 0x28, TestMachine.DATA16);
        m.poke(TASK16_CODE, code16);
        return m;
    }

    @Test
    void farJumpToA16BitTssLoadsItsStateAndSavesTheOld32BitTask() {
        TestMachine m = withTask16(0x2b, 0xF4);
        m.code(0xB8, 0x78, 0x56, 0x34, 0x12,                    // mov eax, 0x12345678
                0x9C, 0x81, 0x0C, 0x24, 0, 0, 0x04, 0, 0x9D,   // pushfd; or dword [esp], AC; popfd
                0xEA, 0, 0, 0, 0, TSS16_SEL, 0);               // jmp far 0x58:0
        var exit = m.run();
        CpuCore c = m.cpu.core();
        assertTrue(exit instanceof dev.tern.spi.cpu.VcpuExit.Halted, exit + " " + m.cpu.describe());
        assertEquals(TASK16_CODE + 1, c.eip);
        assertEquals(TSS16_SEL, c.tr.selector);
        assertEquals(0xffff1234, c.r[CpuCore.EAX], "the upper halves of a 16-bit task's registers are all ones");
        assertEquals(0xffff7000, c.r[CpuCore.ESP]);
        assertEquals(TestMachine.CODE16, c.seg[CpuCore.CS].selector);
        assertEquals(0, c.seg[CpuCore.FS].selector, "a 16-bit TSS has no FS: null");
        assertEquals(0, c.seg[CpuCore.GS].selector);
        assertEquals(0, c.flags() & CpuCore.NT, "a jump does not nest");
        assertEquals(0, c.flags() >>> 16, "a 16-bit task's EFLAGS upper half is clear (AC, and VM after a V86 task)");
        assertEquals(CODE + 21, m.peek32(TestMachine.TSS + 0x20), "the old task resumes after the JMP");
        assertEquals(0x40000, m.peek32(TestMachine.TSS + 0x24) & 0x40000, "the old task's EFLAGS saved whole");
        assertEquals(0x12345678, m.peek32(TestMachine.TSS + 0x28), "old EAX saved in the 32-bit format");
        assertEquals(0x89, m.memory.readU8(GDT + 5 * 8 + 5), "the old TSS is no longer busy");
        assertEquals(0x83, m.memory.readU8(GDT + (TSS16_SEL >> 3) * 8 + 5), "the 16-bit TSS is busy");
        assertTrue((c.cr0 & 8) != 0, "CR0.TS set by the task switch");
    }

    @Test
    void callToA16BitTaskAndIretBackSavesItInThe16BitFormat() {
        TestMachine m = withTask16(0x2b,
                0xB8, 0xCD, 0xAB,                               // mov ax, 0xabcd
                0xCF);                                          // iret: NT set, back to the caller's task
        m.code(0xB8, 0x78, 0x56, 0x34, 0x12,                    // mov eax, 0x12345678
                0x9A, 0, 0, 0, 0, TSS16_SEL, 0,                // call far 0x58:0
                0xF4);
        var exit = m.run();
        CpuCore c = m.cpu.core();
        assertTrue(exit instanceof dev.tern.spi.cpu.VcpuExit.Halted, exit + " " + m.cpu.describe());
        assertEquals(CODE + 13, c.eip, "back in the calling task, after the CALL's HLT");
        assertEquals(TestMachine.TSS_SEL, c.tr.selector);
        assertEquals(0x12345678, c.r[CpuCore.EAX], "the caller's registers come back whole");
        assertEquals(0, c.flags() & CpuCore.NT);
        assertEquals(TestMachine.TSS_SEL, m.memory.readU16(TSS16), "back link to the caller");
        assertEquals(0xabcd, m.memory.readU16(TSS16 + 0x12), "AX saved in the 16-bit TSS");
        assertEquals(TASK16_CODE + 4, m.memory.readU16(TSS16 + 0x0e), "IP after the IRET");
        assertEquals(0, m.memory.readU16(TSS16 + 0x10) & CpuCore.NT, "saved FLAGS without NT on the way out");
        assertEquals(TestMachine.CODE16, m.memory.readU16(TSS16 + 0x24), "CS saved");
        assertEquals(0x81, m.memory.readU8(GDT + (TSS16_SEL >> 3) * 8 + 5), "the 16-bit TSS is free again");
        assertEquals(0x8b, m.memory.readU8(GDT + 5 * 8 + 5), "the caller's TSS is busy again");
    }

    @Test
    void a16BitTssBelowItsMinimumLimitIsAnInvalidTssFault() {
        TestMachine m = withTask16(0x2a, 0xF4);
        m.code(0xEA, 0, 0, 0, 0, TSS16_SEL, 0);                 // jmp far 0x58:0
        m.run();
        assertEquals(CpuFault.TS, m.handledVector(), m.cpu.describe());
        assertEquals(TSS16_SEL, m.stack(0), "#TS error code: the TSS selector");
        assertEquals(TestMachine.TSS_SEL, m.cpu.core().tr.selector, "still the old task");
    }

    @Test
    void doubleFaultSwitchesToTheTaskOfItsTaskGate() {
        int tss2 = 0x3800;
        int handler = TestMachine.HANDLERS + 0x1200;
        TestMachine m = new TestMachine().protectedMode().doubleFaultTask(tss2, handler);
        m.poke(handler, 0xF4);
        m.code(0xBB, 0x77, 0, 0, 0,                          // mov ebx, 0x77
                0x66, 0xB8, 0x5B, 0x00, 0x8E, 0xD8);           // mov ax, 0x5b; mov ds, ax -> #GP -> #NP -> #DF
        var exit = m.run();
        CpuCore c = m.cpu.core();
        assertTrue(exit instanceof dev.tern.spi.cpu.VcpuExit.Halted, exit + " " + m.cpu.describe());
        assertEquals(handler + 1, c.eip);
        assertEquals(0x50, c.tr.selector);
        assertEquals(0x70000 - 4, m.esp());
        assertEquals(0, m.stack(0), "#DF error code");
        assertEquals(TestMachine.TSS_SEL, m.memory.readU16(tss2), "back link");
        assertTrue((c.flags() & CpuCore.NT) != 0);
        assertEquals(CODE + 9, m.peek32(TestMachine.TSS + 0x20), "old task resumes at the faulting MOV");
        assertEquals(0x77, m.peek32(TestMachine.TSS + 0x34), "old EBX saved");
        assertEquals(0x8b, m.memory.readU8(GDT + 10 * 8 + 5), "new TSS marked busy");
        assertTrue((c.cr0 & 8) != 0, "CR0.TS set by the task switch");
    }
}
