package dev.tern.x86;

import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;

import static dev.tern.x86.TestMachine.CODE;
import static dev.tern.x86.TestMachine.GDT;
import static dev.tern.x86.TestMachine.IDT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Double fault through a task gate, as Linux/i386 handles #DF. */
class TaskSwitchTest {

    @Test
    void doubleFaultSwitchesToTheTaskOfItsTaskGate() {
        TestMachine m = new TestMachine().protectedMode();
        int tss2 = 0x3800;
        int handler = TestMachine.HANDLERS + 0x1200;
        m.descriptor(GDT, 10, TestMachine.segment(tss2, 0x67, 0x89, 0));
        m.descriptor(IDT, 8, TestMachine.gate(0x50, 0, 0x5, 0, 0));
        m.memory.writeU32(IDT + 13 * 8 + 4, m.peek32(IDT + 13 * 8 + 4) & ~0x8000);
        m.memory.writeU32(tss2 + 0x20, handler);
        m.memory.writeU32(tss2 + 0x24, 2);
        m.memory.writeU32(tss2 + 0x38, 0x70000);
        m.memory.writeU16(tss2 + 0x48, TestMachine.DATA0);
        m.memory.writeU16(tss2 + 0x4c, TestMachine.CODE0);
        m.memory.writeU16(tss2 + 0x50, TestMachine.DATA0);
        m.memory.writeU16(tss2 + 0x54, TestMachine.DATA0);
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
