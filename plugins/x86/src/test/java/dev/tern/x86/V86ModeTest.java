package dev.tern.x86;

import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;

import static dev.tern.x86.TestMachine.CODE0;
import static dev.tern.x86.TestMachine.CODE3;
import static dev.tern.x86.TestMachine.CONFORMING;
import static dev.tern.x86.TestMachine.IDT;
import static dev.tern.x86.TestMachine.STACK0;
import static dev.tern.x86.TestMachine.TSS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Virtual-8086 mode (SDM vol. 3, chapter "8086 Emulation"): entry by IRETD from ring 0, real-mode
 * segments at CPL 3, IOPL-sensitive instructions, the I/O permission bitmap, and events leaving to
 * the ring-0 handler with the V86 segment registers in the frame and null data segments.
 */
class V86ModeTest {

    static final int V86_CS = 0x5000, V86_DS = 0x6000, V86_ES = 0x6100, V86_FS = 0x6200, V86_GS = 0x6300,
            V86_SS = 0x7000, V86_SP = 0x1000;
    static final int VM = 0x20000;

    /** Ring-0 code that IRETDs into V86 code at V86_CS:0 with IOPL {@code iopl}; the V86 code follows. */
    private static TestMachine v86(int iopl, int... v86Code) {
        TestMachine m = new TestMachine().protectedMode();
        int[] gate = {V86_GS, V86_FS, V86_DS, V86_ES, V86_SS, V86_SP, VM | 2 | (iopl << 12), V86_CS, 0};
        int[] code = new int[gate.length * 5 + 1];
        for (int i = 0; i < gate.length; i++) {
            code[i * 5] = 0x68;   // push imm32
            for (int b = 0; b < 4; b++) {
                code[i * 5 + 1 + b] = (gate[i] >>> (8 * b)) & 0xff;
            }
        }
        code[code.length - 1] = 0xCF;   // iretd
        m.code(code);
        m.poke(V86_CS << 4, v86Code);
        return m;
    }

    private static void assertV86Frame(TestMachine m, int first, int eip) {
        assertEquals(eip, m.stack(first), "EIP");
        assertEquals(V86_CS, m.stack(first + 1), "CS");
        assertTrue((m.stack(first + 2) & VM) != 0, "pushed EFLAGS has VM");
        assertEquals(V86_SP, m.stack(first + 3), "ESP");
        assertEquals(V86_SS, m.stack(first + 4), "SS");
        assertEquals(V86_ES, m.stack(first + 5), "ES");
        assertEquals(V86_DS, m.stack(first + 6), "DS");
        assertEquals(V86_FS, m.stack(first + 7), "FS");
        assertEquals(V86_GS, m.stack(first + 8), "GS");
        CpuCore c = m.cpu.core();
        assertEquals(0, c.cpl);
        assertFalse(c.v86());
        for (int s : new int[] {CpuCore.ES, CpuCore.DS, CpuCore.FS, CpuCore.GS}) {
            assertEquals(0, c.seg[s].selector, "data segment " + s + " is null for the handler");
        }
        assertEquals(STACK0 - 4 * (first + 9), m.esp(), "frame on the TSS ring-0 stack");
    }

    @Test
    void iretdEntersV86AndIntWithIopl3ReachesRing0Handler() {
        TestMachine m = v86(3,
                0xA1, 0x10, 0x00,   // mov ax, [0x10]   (DS base 0x60000)
                0xCD, 0x80);        // int 0x80
        m.memory.writeU16((V86_DS << 4) + 0x10, 0x1234);
        m.run();
        assertEquals(0x80, m.handledVector());
        assertEquals(0x1234, m.cpu.core().r[CpuCore.EAX] & 0xffff, "V86 data read at DS * 16 + offset");
        assertV86Frame(m, 0, 5);
    }

    /** SDM vol. 3A 20.2.5: a task switch to a 32-bit TSS whose EFLAGS image has VM enters V86 mode. */
    @Test
    void aTaskSwitchToATssWithVmSetEntersV86() {
        TestMachine m = new TestMachine().protectedMode();
        int tss = 0x3800;
        m.descriptor(TestMachine.GDT, 10, TestMachine.segment(tss, 0x67, 0x89, 0));
        m.memory.writeU32(tss + 0x04, STACK0);                 // ESP0 and SS0: where the task's events go
        m.memory.writeU32(tss + 0x08, TestMachine.DATA0);
        m.memory.writeU32(tss + 0x20, 0);                      // EIP
        m.memory.writeU32(tss + 0x24, VM | 0x3000 | 2);        // EFLAGS: VM, IOPL 3
        m.memory.writeU32(tss + 0x38, V86_SP);                 // ESP
        int[] segs = {V86_ES, V86_CS, V86_SS, V86_DS, V86_FS, V86_GS};
        for (int i = 0; i < segs.length; i++) {
            m.memory.writeU16(tss + 0x48 + 4 * i, segs[i]);    // ES CS SS DS FS GS
        }
        m.memory.writeU16(tss + 0x66, 0x68);
        m.code(0xEA, 0, 0, 0, 0, 0x50, 0);                     // jmp far 0x50:0
        m.poke(V86_CS << 4,
                0xA1, 0x10, 0x00,                              // mov ax, [0x10]   (DS base 0x60000)
                0xCD, 0x80);                                   // int 0x80
        m.memory.writeU16((V86_DS << 4) + 0x10, 0x1234);
        m.run();
        assertEquals(0x80, m.handledVector(), m.cpu.describe());
        assertEquals(0x1234, m.cpu.core().r[CpuCore.EAX] & 0xffff, "V86 data read at DS * 16 + offset");
        assertEquals(0x50, m.cpu.core().tr.selector, "the V86 task is the current task");
        assertV86Frame(m, 0, 5);
    }

    @Test
    void intWithIoplBelow3IsGeneralProtectionToTheMonitor() {
        TestMachine m = v86(0, 0x90, 0xCD, 0x80);   // nop; int 0x80
        m.run();
        assertEquals(13, m.handledVector());
        assertEquals(0, m.stack(0), "error code");
        assertV86Frame(m, 1, 1);
    }

    @Test
    void iopSensitiveInstructionsFaultAtIopl0AndRunAtIopl3() {
        for (int op : new int[] {0xFA, 0xFB, 0x9C, 0x9D, 0xCF}) {   // cli, sti, pushf, popf, iret
            TestMachine m = v86(0, op);
            m.run();
            assertEquals(13, m.handledVector(), "opcode " + Integer.toHexString(op));
            assertV86Frame(m, 1, 0);
        }
        TestMachine m = v86(3,
                0xFA,               // cli
                0x9C,               // pushf
                0x58,               // pop ax
                0x0D, 0x00, 0x30,   // or ax, 0x3000 (IOPL field is not the V86 task's to change)
                0x25, 0xFF, 0xCF,   // and ax, 0xcfff -> IOPL 0 in the image
                0x50,               // push ax
                0x9D,               // popf
                0xCD, 0x80);        // int 0x80 still allowed: IOPL stayed 3
        m.run();
        assertEquals(0x80, m.handledVector());
        assertEquals(0x3000, m.stack(2) & 0x3000, "POPF in V86 leaves IOPL alone");
    }

    @Test
    void hltIsGeneralProtectionAtAnyIopl() {
        TestMachine m = v86(3, 0xF4);
        m.run();
        assertEquals(13, m.handledVector());
        assertV86Frame(m, 1, 0);
    }

    @Test
    void ioPermissionBitmapDecidesPortAccessRegardlessOfIopl() {
        for (int iopl : new int[] {0, 3}) {
            TestMachine m = v86(iopl, 0xE4, 0x64, 0xE4, 0x60, 0xF4);   // in al, 0x64; in al, 0x60; hlt
            // A TSS with a bitmap at 0x68 covering ports 0-0xFF: 0x64 allowed, 0x60 denied.
            m.cpu.core().tr.set(TestMachine.TSS_SEL, TSS, 0x68 + 0x20, 0x8b, true);
            m.memory.writeU16(TSS + 0x66, 0x68);
            m.memory.writeU8(TSS + 0x68 + (0x60 >> 3), 0x01);
            m.ports.values.put(0x64, 0x5a);
            m.run();
            assertEquals(13, m.handledVector(), "iopl " + iopl);
            assertEquals(0, m.stack(0));
            assertEquals(2, m.stack(1), "the IN from 0x60 faulted, the one from 0x64 ran");
            assertEquals(0x5a, m.cpu.core().r[CpuCore.EAX] & 0xff);
        }
    }

    @Test
    void noBitmapInsideTheTssLimitMeansNoPorts() {
        TestMachine m = v86(3, 0xE4, 0x64);   // TSS limit 0x67, bitmap base 0x68: outside
        m.memory.writeU16(TSS + 0x66, 0x68);
        m.run();
        assertEquals(13, m.handledVector());
        assertV86Frame(m, 1, 0);
    }

    @Test
    void interruptGateToNonZeroOrConformingCodeIsGeneralProtectionWithItsSelector() {
        for (int target : new int[] {CODE3, CONFORMING}) {
            TestMachine m = v86(3, 0xCD, 0x81);   // int 0x81
            m.descriptor(IDT, 0x81, TestMachine.gate(target, 0x20000 + 0x81 * 16, 0xe, 3, 0));
            m.run();
            assertEquals(13, m.handledVector(), "target " + Integer.toHexString(target));
            assertEquals(target & 0xfffc, m.stack(0), "error code names the handler's code segment");
            assertV86Frame(m, 1, 0);
        }
    }

    @Test
    void iretdFromTheHandlerResumesTheV86Task() {
        TestMachine m = v86(3,
                0xCD, 0x82,         // int 0x82 -> ring-0 handler that IRETDs
                0x8C, 0xD8,         // mov ax, ds (restored by the IRETD)
                0xF4);              // hlt: #GP in V86
        int handler = 0x20000 + 0x82 * 16;
        m.descriptor(IDT, 0x82, TestMachine.gate(CODE0, handler, 0xe, 3, 0));
        m.poke(handler, 0xCF);      // iretd
        m.run();
        assertEquals(13, m.handledVector());
        assertEquals(V86_DS, m.cpu.core().r[CpuCore.EAX] & 0xffff);
        assertV86Frame(m, 1, 4);
    }

    @Test
    void savedV86StateLoadsIntoAnotherCpuAndContinues() {
        TestMachine m = v86(3, 0x90, 0xCD, 0x80);   // nop; int 0x80
        m.cpu.run(11);                              // nine pushes, IRETD, NOP
        assertTrue(m.cpu.core().v86());
        X86State saved = m.cpu.save();
        TestMachine n = v86(3, 0x90, 0xCD, 0x80);
        n.cpu.load(saved);
        n.run();
        assertEquals(0x80, n.handledVector());
        assertV86Frame(n, 0, 3);
    }
}
