package dev.tern.x86;

import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;

import static dev.tern.x86.TestMachine.CODE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Large pages, INVLPG, the I/O bitmap, RETF to an outer ring, LAR/LSL, RDTSC and EFLAGS.ID. */
class SystemInstructionTest {

    private static int[] toRing3(int user) {
        return new int[] {0x6A, 0x23, 0x68, 0x00, 0x00, 0x09, 0x00, 0x6A, 0x02, 0x6A, 0x1B,
            0x68, user & 0xff, (user >> 8) & 0xff, (user >> 16) & 0xff, 0, 0xCF};
    }

    @Test
    void fourMegabytePageMapsWithPse() {
        TestMachine m = new TestMachine().protectedMode().paging();
        m.memory.writeU32(0x100000 + 4, 0x00000083);     // PDE 1: 4 MiB page at 0 (PS, W, P)
        m.memory.writeU32(0x5000, 0xcafe);
        CpuCore c = m.cpu.core();
        c.cr4 |= 0x10;
        c.pagingChanged();
        m.code(0xA1, 0x00, 0x50, 0x40, 0x00, 0xF4);       // mov eax, [0x405000] -> phys 0x5000
        m.run();
        assertEquals(0xcafe, c.r[CpuCore.EAX]);
        assertEquals(0x20, m.peek32(0x100004) & 0x20, "accessed bit set in the PDE");
    }

    @Test
    void invlpgDropsAStaleTranslation() {
        TestMachine m = new TestMachine().protectedMode().paging();
        m.memory.writeU32(0x5000, 1);
        m.memory.writeU32(0x6000, 2);
        int pte = m.pte(0x5000);
        m.code(0xA1, 0x00, 0x50, 0, 0,                     // mov eax, [0x5000] (fills the TLB)
                0xC7, 0x05, pte & 0xff, (pte >> 8) & 0xff, (pte >> 16) & 0xff, 0, 0x07, 0x60, 0, 0, // remap -> 0x6000
                0x8B, 0x1D, 0x00, 0x50, 0, 0,               // mov ebx, [0x5000] (stale: still 1)
                0x0F, 0x01, 0x3D, 0x00, 0x50, 0, 0,         // invlpg [0x5000]
                0x8B, 0x0D, 0x00, 0x50, 0, 0, 0xF4);        // mov ecx, [0x5000] (now 2)
        m.run();
        CpuCore c = m.cpu.core();
        assertEquals(1, c.r[CpuCore.EBX]);
        assertEquals(2, c.r[CpuCore.ECX]);
    }

    @Test
    void ioBitmapGrantsAndDeniesPortsAtRing3() {
        TestMachine m = new TestMachine().protectedMode();
        m.descriptor(TestMachine.GDT, 5, TestMachine.segment(TestMachine.TSS, 0x68 + 0x2000, 0x8b, 0));
        m.cpu.core().tr.limit = 0x68 + 0x2000;
        m.memory.writeU8(TestMachine.TSS + 0x68 + (0x80 >> 3), 0x00);   // port 0x80 allowed
        m.memory.writeU8(TestMachine.TSS + 0x68 + (0x70 >> 3), 0x01);   // port 0x70 denied
        int user = CODE + 0x100;
        m.code(toRing3(user));
        m.poke(user, 0xB0, 0x42, 0xE6, 0x80, 0xE6, 0x70);   // mov al,0x42; out 0x80,al; out 0x70,al
        m.run();
        assertEquals(13, m.handledVector());
        assertEquals(user + 4, m.stack(1));
        assertEquals(1, m.ports.writes.size());
        assertEquals(0x80, m.ports.writes.getFirst()[0]);
    }

    @Test
    void retfToRing3LoadsOuterStack() {
        TestMachine m = new TestMachine().protectedMode();
        int user = CODE + 0x100;
        m.code(0x6A, 0x23, 0x68, 0x00, 0x00, 0x09, 0x00, 0x6A, 0x1B,
                0x68, user & 0xff, (user >> 8) & 0xff, (user >> 16) & 0xff, 0, 0xCB);   // retf
        m.poke(user, 0x8C, 0xD0, 0xEB, 0xFE);               // mov eax, ss; jmp $
        m.cpu.run(7);
        CpuCore c = m.cpu.core();
        assertEquals(3, c.cpl);
        assertEquals(0x90000, m.esp());
        assertEquals(0x23, c.r[CpuCore.EAX] & 0xffff);
    }

    @Test
    void larAndLslReportAccessRightsAndLimits() {
        TestMachine m = new TestMachine().protectedMode();
        m.code(0xB9, 0x28, 0, 0, 0,                          // mov ecx, TSS selector
                0x0F, 0x03, 0xC1,                            // lsl eax, ecx
                0x0F, 0x02, 0xD9,                            // lar ebx, ecx
                0xBA, 0x5B, 0, 0, 0, 0x0F, 0x03, 0xF2,       // mov edx, 0x5b; lsl esi, edx (null -> ZF=0)
                0xF4);
        m.run();
        CpuCore c = m.cpu.core();
        assertEquals(0x67, c.r[CpuCore.EAX]);
        assertEquals(0x8b00, c.r[CpuCore.EBX]);
        assertEquals(0, c.flags() & CpuCore.ZF);
    }

    @Test
    void rdtscFollowsTheVirtualClock() {
        long[] now = {1_000};
        TestMachine base = new TestMachine().protectedMode();
        X86Cpu cpu = new X86Cpu(0, base.memory, null, null, null, () -> now[0], 2_000_000_000L, 0x611);
        cpu.load(base.cpu.save());
        base.code(0x0F, 0x31, 0x89, 0xC3, 0x0F, 0x31, 0xF4); // rdtsc; mov ebx, eax; rdtsc; hlt
        cpu.run(2);
        now[0] = 3_000;
        cpu.run(10);
        assertEquals(2_000, cpu.core().r[CpuCore.EBX]);
        assertEquals(6_000, cpu.core().r[CpuCore.EAX]);
    }

    @Test
    void idFlagCanBeToggledSoCpuidIsDetected() {
        TestMachine m = new TestMachine().protectedMode();
        m.code(0x9C, 0x58, 0x35, 0, 0, 0x20, 0, 0x50, 0x9D, 0x9C, 0x5B, 0xF4);  // pushfd; pop eax; xor eax,ID;
        m.run();                                                             // push eax; popfd; pushfd; pop ebx
        assertTrue((m.cpu.core().r[CpuCore.EBX] & CpuCore.ID) != 0);
    }
}
