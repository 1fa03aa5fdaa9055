package dev.tern.x86;

import dev.tern.x86.core.CpuCore;
import dev.tern.x86.ops.SystemOps;
import org.junit.jupiter.api.Test;

import static dev.tern.x86.TestMachine.CODE3;
import static dev.tern.x86.TestMachine.DATA3;
import static dev.tern.x86.TestMachine.TSS;
import static dev.tern.x86.TestMachine.TSS_SEL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The virtual-8086 mode extensions and protected-mode virtual interrupts (SDM vol. 3A 20.3-20.4 and
 * the CLI, STI, PUSHF, POPF, IRET and INT n pages of vol. 2): VIF instead of IF where IOPL is below 3,
 * #GP(0) where VIP is set, and INT n through the V86 task's own vector table when its bit in the
 * TSS's redirection bitmap is clear.
 */
class VirtualInterruptsTest {

    static final int V86_CS = 0x5000, V86_SS = 0x7000, V86_SP = 0x1000, HANDLER_CS = 0x5100;
    static final int IF = 0x200, TF = 0x100, IOPL3 = 0x3000, VM = 0x20000, VIF = 0x80000, VIP = 0x100000;
    /** The TSS grown to 0x108 bytes: redirection bitmap at 0x68..0x87, I/O map base 0x88. */
    static final int TSS_LIMIT = 0x107, IO_BASE = 0x88;

    /**
     * Ring-0 code that sets CR4 to {@code cr4} and IRETDs into V86 code at V86_CS:0 with
     * {@code eflags} (VM added); the V86 code follows. Every INT n is redirected (bitmap clear).
     */
    private static TestMachine v86(int cr4, int eflags, int... v86Code) {
        TestMachine m = new TestMachine().protectedMode();
        m.memory.writeU16(TSS + 0x66, IO_BASE);
        m.descriptor(TestMachine.GDT, 5, TestMachine.segment(TSS, TSS_LIMIT, 0x8b, 0));
        m.cpu.core().tr.set(TSS_SEL, TSS, TSS_LIMIT, 0x8b, true);
        int[] frame = {0, 0, 0, 0, V86_SS, V86_SP, eflags | VM | 2, V86_CS, 0};
        int[] code = new int[8 + frame.length * 5 + 1];
        int[] setCr4 = {0xB8, cr4 & 0xff, (cr4 >>> 8) & 0xff, 0, 0, 0x0F, 0x22, 0xE0};   // mov eax, cr4; mov cr4, eax
        System.arraycopy(setCr4, 0, code, 0, 8);
        for (int i = 0; i < frame.length; i++) {
            code[8 + i * 5] = 0x68;
            for (int b = 0; b < 4; b++) {
                code[8 + i * 5 + 1 + b] = (frame[i] >>> (8 * b)) & 0xff;
            }
        }
        code[code.length - 1] = 0xCF;
        m.code(code);
        m.poke(V86_CS << 4, v86Code);
        return m;
    }

    /** The V86 EFLAGS the #GP handler found in its frame (above error code, EIP and CS). */
    private static int frameFlags(TestMachine m) {
        return m.stack(3);
    }

    private static int v86Word(TestMachine m, int sp) {
        return m.memory.readU16((V86_SS << 4) + sp);
    }

    @Test
    void cliAndStiChangeVifAndPushfShowsItAsIfWithIopl3() {
        TestMachine m = v86(1, IF | VIF,
                0xFA, 0x9C, 0x58,   // cli; pushf; pop ax
                0xFB, 0x9C, 0x5B,   // sti; pushf; pop bx
                0xF4);              // hlt: #GP to the monitor
        m.run();
        assertEquals(13, m.handledVector());
        assertEquals(6, m.stack(1), "stopped at the HLT, not at CLI or STI");
        CpuCore c = m.cpu.core();
        int afterCli = c.r[CpuCore.EAX] & 0xffff;
        int afterSti = c.r[CpuCore.EBX] & 0xffff;
        assertEquals(0, afterCli & IF, "CLI cleared VIF, which PUSHF shows as IF");
        assertEquals(IOPL3, afterCli & IOPL3, "PUSHF shows IOPL 3");
        assertEquals(IF, afterSti & IF, "STI set VIF again");
        int flags = frameFlags(m);
        assertEquals(IF, flags & IF, "the real IF never changed");
        assertEquals(VIF, flags & VIF);
        assertEquals(0, flags & IOPL3, "the real IOPL is still 0");
    }

    @Test
    void withoutVmeCliIsGeneralProtection() {
        TestMachine m = v86(0, IF, 0xFA);
        m.run();
        assertEquals(13, m.handledVector());
        assertEquals(0, m.stack(1), "at the CLI");
    }

    @Test
    void stiWithVirtualInterruptPendingIsGeneralProtection() {
        TestMachine m = v86(1, VIP, 0x90, 0xFB);
        m.run();
        assertEquals(13, m.handledVector());
        assertEquals(1, m.stack(1), "at the STI");
        assertEquals(0, frameFlags(m) & VIF, "VIF still clear");
    }

    @Test
    void popfLoadsVifFromIfAndRefusesTfAndThe32BitForm() {
        TestMachine m = v86(1, IF,
                0x68, 0xC1, 0x02,   // push 0x2c1 (IF, SF, CF)
                0x9D,               // popf
                0xF4);
        m.run();
        int flags = frameFlags(m);
        assertEquals(VIF, flags & VIF, "VIF from the image's IF");
        assertEquals(0x81, flags & 0x81, "SF and CF from the image");
        assertEquals(0, flags & IOPL3, "IOPL unchanged");

        TestMachine trap = v86(1, IF, 0x68, 0x00, 0x01, 0x9D);   // push TF; popf
        trap.run();
        assertEquals(13, trap.handledVector());
        assertEquals(3, trap.stack(1), "at the POPF");
        assertEquals(V86_SP - 2, trap.stack(4), "the image is still on the stack");

        TestMachine wide = v86(1, IF, 0x66, 0x9C);   // pushfd
        wide.run();
        assertEquals(13, wide.handledVector());
        assertEquals(0, wide.stack(1));
    }

    @Test
    void iretUnderVmeReturnsAndTakesVifFromTheImage() {
        TestMachine m = v86(1, IF,
                0x68, 0x00, 0x02,         // push IF
                0x0E,                     // push cs
                0x68, 0x0A, 0x00,         // push 0x000a
                0xCF,                     // iret
                0x90, 0x90,
                0xF4);                    // at 0x0a: hlt
        m.run();
        assertEquals(13, m.handledVector());
        assertEquals(0x0A, m.stack(1), "IRET went to 0x000a");
        assertEquals(VIF, frameFlags(m) & VIF);
        assertEquals(V86_SP, m.stack(4), "the frame was popped");
    }

    @Test
    void intWithItsRedirectionBitClearRunsTheV86Handler() {
        TestMachine m = v86(1, IF | VIF, 0xCD, 0x21);
        m.memory.writeU16(0x21 * 4, 0x0010);
        m.memory.writeU16(0x21 * 4 + 2, HANDLER_CS);
        m.poke((HANDLER_CS << 4) + 0x10, 0xF4);
        m.run();
        assertEquals(13, m.handledVector(), "the V86 handler's HLT traps to the monitor");
        assertEquals(0x10, m.stack(1));
        assertEquals(HANDLER_CS, m.stack(2));
        assertEquals(0, frameFlags(m) & VIF, "VIF cleared on the way in");
        assertEquals(IF, frameFlags(m) & IF, "IF untouched");
        assertEquals(V86_SP - 6, m.stack(4), "FLAGS, CS and IP on the V86 stack");
        assertEquals(2, v86Word(m, V86_SP - 6), "return IP");
        assertEquals(V86_CS, v86Word(m, V86_SP - 4), "return CS");
        int image = v86Word(m, V86_SP - 2);
        assertEquals(IF | IOPL3, image & (IF | IOPL3), "FLAGS image: IF shows VIF, IOPL shows 3");
    }

    @Test
    void intWithItsRedirectionBitSetGoesToTheIdtOnlyWithIopl3() {
        TestMachine low = v86(1, IF, 0xCD, 0x80);
        low.memory.writeU8(TSS + IO_BASE - 32 + 0x10, 0x01);   // bit 0x80
        low.run();
        assertEquals(13, low.handledVector(), "IOPL 0: #GP to the monitor");
        assertEquals(0, low.stack(0));

        TestMachine high = v86(1, IF | IOPL3, 0xCD, 0x80);
        high.memory.writeU8(TSS + IO_BASE - 32 + 0x10, 0x01);
        high.run();
        assertEquals(0x80, high.handledVector(), "IOPL 3: the protected-mode handler");

        TestMachine redirected = v86(1, IF | IOPL3, 0xCD, 0x80);
        redirected.memory.writeU16(0x80 * 4, 0x0010);
        redirected.memory.writeU16(0x80 * 4 + 2, HANDLER_CS);
        redirected.poke((HANDLER_CS << 4) + 0x10, 0xF4);
        redirected.run();
        assertEquals(13, redirected.handledVector());
        assertEquals(HANDLER_CS, redirected.stack(2), "IOPL 3 and a clear bit: the V86 handler");
        assertEquals(0, frameFlags(redirected) & IF, "with IOPL 3 the real IF is cleared");
    }

    @Test
    void aTssTooShortForTheBitmapIsGeneralProtection() {
        TestMachine m = v86(1, IF, 0xCD, 0x21);
        m.memory.writeU16(TSS + 0x66, 0x300);   // bitmap past the TSS limit
        m.run();
        assertEquals(13, m.handledVector());
        assertEquals(0, m.stack(1), "at the INT");
    }

    @Test
    void pviLetsRing3ClearAndSetVifButNotWithVip() {
        TestMachine m = ring3(2, IF, 0xFA, 0x9C, 0x58, 0xFB, 0xF4);   // cli; pushfd; pop eax; sti; hlt
        m.run();
        CpuCore c = m.cpu.core();
        assertEquals(13, m.handledVector());
        assertEquals(0x10204, m.stack(1), "at the HLT");
        assertEquals(0, c.r[CpuCore.EAX] & VIF, "CLI cleared VIF");
        assertEquals(IF, c.r[CpuCore.EAX] & IF, "and left IF");
        assertEquals(VIF, m.stack(3) & VIF, "STI set VIF");

        TestMachine pending = ring3(2, IF | VIP, 0xFB);
        pending.run();
        assertEquals(13, pending.handledVector());
        assertEquals(0x10200, pending.stack(1));

        TestMachine off = ring3(0, IF, 0xFA);
        off.run();
        assertEquals(13, off.handledVector(), "without PVI, CLI at CPL 3 > IOPL faults");
    }

    /** Ring 0 sets CR4 and IRETDs to ring-3 code at 0x10200 with {@code eflags} (IRETD at CPL 0 writes VIF/VIP). */
    private static TestMachine ring3(int cr4, int eflags, int... code) {
        TestMachine m = new TestMachine().protectedMode();
        int[] frame = {DATA3, 0x8f000, eflags | 2, CODE3, 0x10200};
        int[] ring0 = new int[8 + frame.length * 5 + 1];
        int[] setCr4 = {0xB8, cr4, 0, 0, 0, 0x0F, 0x22, 0xE0};
        System.arraycopy(setCr4, 0, ring0, 0, 8);
        for (int i = 0; i < frame.length; i++) {
            ring0[8 + i * 5] = 0x68;
            for (int b = 0; b < 4; b++) {
                ring0[8 + i * 5 + 1 + b] = (frame[i] >>> (8 * b)) & 0xff;
            }
        }
        ring0[ring0.length - 1] = 0xCF;
        m.code(ring0);
        m.poke(0x10200, code);
        return m;
    }

    @Test
    void cpuidAdvertisesVme() {
        TestMachine m = new TestMachine().protectedMode();
        assertTrue((m.cpu.systemOps().features() & SystemOps.FEATURE_VME) != 0);
    }
}
