package dev.tern.x86;

import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;

import static dev.tern.x86.TestMachine.CODE;
import static dev.tern.x86.TestMachine.GDT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Double fault through a task gate, as Linux/i386 handles #DF. */
class TaskSwitchTest {

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
