package dev.tern.x86;

import dev.tern.spi.cpu.VcpuExit;
import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;

import static dev.tern.x86.TestMachine.CODE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProtectedModeTest {

    @Test
    void entersProtectedModeFromRealModeWithFarJump() {
        TestMachine m = new TestMachine().protectedMode();
        m.cpu.reset();
        CpuCore c = m.cpu.core();
        c.seg[CpuCore.CS].loadReal(0);
        c.eip = 0x7c00;
        m.poke(0x7e00, 9 * 8 - 1, 0, 0x00, 0x10, 0, 0);
        m.poke(0x7c00,
                0xFA,                               // cli
                0x0F, 0x01, 0x16, 0x00, 0x7e,       // lgdt [0x7e00]
                0x0F, 0x20, 0xC0,                   // mov eax, cr0
                0x66, 0x83, 0xC8, 0x01,             // or eax, 1
                0x0F, 0x22, 0xC0,                   // mov cr0, eax
                0x66, 0xEA, 0x00, 0x7d, 0, 0, 0x08, 0x00); // jmp dword 0x08:0x7d00
        m.poke(0x7d00,
                0x66, 0xB8, 0x10, 0x00,             // mov ax, 0x10
                0x8E, 0xD8,                         // mov ds, ax
                0x8E, 0xD0,                         // mov ss, ax
                0xBC, 0x00, 0x00, 0x08, 0x00,       // mov esp, 0x80000
                0xC7, 0x05, 0x00, 0x50, 0, 0, 0xEF, 0xBE, 0xAD, 0xDE, // mov dword [0x5000], 0xdeadbeef
                0xF4);
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        assertEquals(0x08, c.seg[CpuCore.CS].selector);
        assertTrue(c.code32());
        assertTrue(c.seg[CpuCore.SS].big());
        assertEquals(0xdeadbeef, m.peek32(0x5000));
        assertEquals(0x7d18, c.eip);
        assertEquals(12, m.cpu.instructionCount());
    }

    @Test
    void pageFaultOnNotPresentPageReportsCr2AndErrorCode() {
        TestMachine m = new TestMachine().protectedMode().paging();
        m.code(0xA1, 0x00, 0x00, 0x40, 0x00);   // mov eax, [0x400000] (PDE 1 not present)
        m.run();
        assertEquals(14, m.handledVector());
        assertEquals(0x400000, m.cpu.core().cr2);
        assertEquals(0, m.stack(0));
        assertEquals(CODE, m.stack(1));
        assertEquals(0, m.cpu.instructionCount() - 1, "the faulting MOV does not retire; only the HLT does");
    }

    @Test
    void writeToReadOnlyPageWithWriteProtectFaultsWithPresentWriteBits() {
        TestMachine m = new TestMachine().protectedMode().paging();
        m.memory.writeU32(m.pte(0x5000), 0x5000 | 5);
        m.code(0xC7, 0x05, 0x00, 0x50, 0, 0, 1, 0, 0, 0);   // mov dword [0x5000], 1
        m.run();
        assertEquals(14, m.handledVector());
        assertEquals(0x5000, m.cpu.core().cr2);
        assertEquals(3, m.stack(0));
        assertEquals(0, m.peek32(0x5000));
    }

    @Test
    void pageWalkSetsAccessedAndDirtyBits() {
        TestMachine m = new TestMachine().protectedMode().paging();
        m.code(0xA1, 0x00, 0x60, 0, 0,                          // mov eax, [0x6000]
                0xC7, 0x05, 0x00, 0x70, 0, 0, 1, 0, 0, 0, 0xF4); // mov dword [0x7000], 1
        m.run();
        assertEquals(0x20, m.peek32(m.pte(0x6000)) & 0x60);
        assertEquals(0x60, m.peek32(m.pte(0x7000)) & 0x60);
    }

    /** Ring 0 -> IRET -> ring 3 code that runs INT 0x80, which switches to the TSS ring-0 stack. */
    @Test
    void iretToRing3AndIntBackThroughTssStack() {
        TestMachine m = new TestMachine().protectedMode();
        int user = CODE + 0x100;
        m.code(0x6A, 0x23,                                  // push 0x23
                0x68, 0x00, 0x00, 0x09, 0x00,               // push 0x90000
                0x6A, 0x02,                                 // push 2 (eflags)
                0x6A, 0x1B,                                 // push 0x1b
                0x68, user & 0xff, (user >> 8) & 0xff, (user >> 16) & 0xff, 0, // push user
                0xCF);                                      // iret
        m.poke(user, 0xB8, 42, 0, 0, 0, 0xCD, 0x80);        // mov eax, 42; int 0x80
        m.run();
        CpuCore c = m.cpu.core();
        assertEquals(0x80, m.handledVector());
        assertEquals(0, c.cpl);
        assertEquals(42, c.r[CpuCore.EAX]);
        assertEquals(TestMachine.STACK0 - 20, m.esp());
        assertEquals(user + 7, m.stack(0));
        assertEquals(0x1b, m.stack(1));
        assertEquals(0x90000, m.stack(3));
        assertEquals(0x23, m.stack(4));
        assertFalse(c.seg[CpuCore.ES].usable, "ring-0 data segments are nulled on return to ring 3");
        assertEquals(9, m.cpu.instructionCount());
    }

    @Test
    void callGateFromRing3SwitchesStacks() {
        TestMachine m = new TestMachine().protectedMode();
        int user = CODE + 0x100;
        m.code(0x6A, 0x23, 0x68, 0x00, 0x00, 0x09, 0x00, 0x6A, 0x02, 0x6A, 0x1B,
                0x68, user & 0xff, (user >> 8) & 0xff, (user >> 16) & 0xff, 0, 0xCF);
        m.poke(user, 0x9A, 0, 0, 0, 0, 0x33, 0x00);          // call far 0x33:0 (gate)
        m.run();
        CpuCore c = m.cpu.core();
        assertEquals(TestMachine.HANDLERS + 0x1001, c.eip);
        assertEquals(0, c.cpl);
        assertEquals(TestMachine.STACK0 - 16, m.esp());
        assertEquals(user + 7, m.stack(0));
        assertEquals(0x1b, m.stack(1));
        assertEquals(0x90000, m.stack(2));
        assertEquals(0x23, m.stack(3));
    }

    @Test
    void jumpFromRing3ToRing0CodeIsRefused() {
        TestMachine m = new TestMachine().protectedMode();
        int user = CODE + 0x100;
        m.code(0x6A, 0x23, 0x68, 0x00, 0x00, 0x09, 0x00, 0x6A, 0x02, 0x6A, 0x1B,
                0x68, user & 0xff, (user >> 8) & 0xff, (user >> 16) & 0xff, 0, 0xCF);
        m.poke(user, 0xEA, 0, 0, 0, 0, 0x08, 0x00);         // jmp far 0x08:0
        m.run();
        assertEquals(13, m.handledVector());
        assertEquals(0x08, m.stack(0));
        assertEquals(user, m.stack(1));
    }
}
