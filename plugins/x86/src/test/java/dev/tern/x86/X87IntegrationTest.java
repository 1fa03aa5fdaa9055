package dev.tern.x86;

import dev.tern.spi.cpu.VcpuExit;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.fpu.Float80;
import org.junit.jupiter.api.Test;

import static dev.tern.x86.GuestCode.concat;
import static dev.tern.x86.TestMachine.CODE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The x87 wired into the CPU: EFLAGS exchange, #MF/#NM rules, CPUID, saved state, and #AC. */
class X87IntegrationTest {

    private static final int[] FLD1 = {0xD9, 0xE8};
    private static final int[] FLDZ = {0xD9, 0xEE};
    private static final int[] FISTP_6000 = {0xDB, 0x1D, 0x00, 0x60, 0x00, 0x00};

    private static TestMachine withFpu() {
        TestMachine m = new TestMachine().protectedMode();
        m.cpu.attachFpu(new X87Unit());
        m.cpu.core().cr0 |= 0x20; // NE: native #MF reporting, as Linux runs
        return m;
    }

    @Test
    void fcomiSetsCarryAndClearsOverflowSignAndAdjust() {
        TestMachine m = withFpu();
        m.code(concat(FLD1, FLDZ,
                new int[] {0x68, 0xD5, 0x08, 0, 0, 0x9D},   // push 0x8D5; popf (OF SF ZF AF PF CF)
                new int[] {0xDB, 0xF1, 0xF4}));              // fcomi st0, st1; hlt
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        assertEquals(CpuCore.CF, m.cpu.core().flags() & CpuCore.STATUS, "0 < 1: CF only");
    }

    @Test
    void fcmovbFollowsTheCarryFlag() {
        TestMachine taken = withFpu();
        taken.code(concat(FLD1, FLDZ, new int[] {0xF9, 0xDA, 0xC1}, FISTP_6000, new int[] {0xF4}));
        assertInstanceOf(VcpuExit.Halted.class, taken.run());
        assertEquals(1, taken.peek32(0x6000), "STC: ST0 <- ST1");

        TestMachine notTaken = withFpu();
        notTaken.memory.writeU32(0x6000, -1);
        notTaken.code(concat(FLD1, FLDZ, new int[] {0xF8, 0xDA, 0xC1}, FISTP_6000, new int[] {0xF4}));
        assertInstanceOf(VcpuExit.Halted.class, notTaken.run());
        assertEquals(0, notTaken.peek32(0x6000), "CLC: ST0 unchanged");
    }

    @Test
    void fwaitReportsAnUnmaskedExceptionAsMathFault() {
        TestMachine m = withFpu();
        m.memory.writeU16(0x6100, 0x037B); // ZE unmasked
        m.code(concat(new int[] {0xD9, 0x2D, 0x00, 0x61, 0x00, 0x00}, FLD1, FLDZ,
                new int[] {0xDE, 0xF9, 0x9B, 0xF4}));        // fdivp: 1/0 pending, then fwait
        m.run();
        assertEquals(16, m.handledVector());
        assertEquals(CODE + 12, m.stack(0), "#MF is a fault on the FWAIT");
    }

    @Test
    void fnstswAxReportsAMaskedZeroDivide() {
        TestMachine m = withFpu();
        m.code(concat(FLD1, FLDZ, new int[] {0xDE, 0xF9, 0xDF, 0xE0, 0xF4}));
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        assertEquals(0x4, m.cpu.core().r[CpuCore.EAX] & 0x3F, "ZE only");
    }

    @Test
    void taskSwitchedRaisesDeviceNotAvailableForEscAndWaitWithMp() {
        TestMachine esc = withFpu();
        esc.cpu.core().cr0 |= 0x8;
        esc.code(concat(FLD1, new int[] {0xF4}));
        esc.run();
        assertEquals(7, esc.handledVector());

        TestMachine waitOnly = withFpu();
        waitOnly.cpu.core().cr0 |= 0x8;
        waitOnly.code(0x9B, 0xF4);
        assertInstanceOf(VcpuExit.Halted.class, waitOnly.run());
        assertEquals(-1, waitOnly.handledVector(), "TS without MP: WAIT runs");

        TestMachine waitMp = withFpu();
        waitMp.cpu.core().cr0 |= 0xA;
        waitMp.code(0x9B, 0xF4);
        waitMp.run();
        assertEquals(7, waitMp.handledVector());
    }

    @Test
    void cpuidAdvertisesTheFpuOnlyWhenAttached() {
        int[] cpuid = {0xB8, 1, 0, 0, 0, 0x0F, 0xA2, 0xF4};
        TestMachine bare = new TestMachine().protectedMode();
        bare.code(concat(cpuid));
        bare.run();
        assertEquals(0, bare.cpu.core().r[CpuCore.EDX] & 1);

        TestMachine m = withFpu();
        m.code(cpuid);
        m.run();
        assertEquals(1, m.cpu.core().r[CpuCore.EDX] & 1);
    }

    @Test
    void escWithoutAnFpuIsDeviceNotAvailable() {
        TestMachine bare = new TestMachine().protectedMode();
        bare.code(concat(FLD1, new int[] {0xF4}));
        bare.run();
        assertEquals(7, bare.handledVector());
    }

    @Test
    void savedStateCarriesTheFpuRegisters() {
        TestMachine m = withFpu();
        m.code(FLD1);
        assertInstanceOf(VcpuExit.BudgetExhausted.class, m.cpu.run(1));
        X86State saved = m.cpu.save();
        assertEquals(Float80.ONE, saved.fpu().registers().get(7), "FLD1 pushed into R7");

        TestMachine restored = withFpu();
        restored.cpu.load(saved);
        restored.poke(saved.eip(), FISTP_6000);
        restored.poke(saved.eip() + FISTP_6000.length, 0xF4);
        assertInstanceOf(VcpuExit.Halted.class, restored.run());
        assertEquals(1, restored.peek32(0x6000));
    }

    @Test
    void misalignedRing3AccessWithAlignmentCheckRaisesAc() {
        TestMachine m = withFpu();
        m.cpu.core().cr0 |= CpuCore.CR0_AM;
        int user = CODE + 0x100;
        // iret to ring 3 with EFLAGS.AC, then mov eax, ss:[0x6001] (DS was nulled by the IRET)
        m.code(0x6A, 0x23, 0x68, 0x00, 0x00, 0x09, 0x00, 0x68, 0x02, 0x00, 0x04, 0x00, 0x6A, 0x1B,
                0x68, user & 0xff, (user >> 8) & 0xff, (user >> 16) & 0xff, 0, 0xCF);
        m.poke(user, 0x36, 0xA1, 0x01, 0x60, 0x00, 0x00);
        m.run();
        assertEquals(17, m.handledVector());
        assertEquals(0, m.stack(0), "#AC error code");
        assertEquals(user, m.stack(1));
    }

    @Test
    void misalignedRing0AccessIsNotChecked() {
        TestMachine m = withFpu();
        m.cpu.core().cr0 |= CpuCore.CR0_AM;
        m.memory.writeU32(0x6001, 0x12345678);
        m.code(0x68, 0x02, 0x00, 0x04, 0x00, 0x9D, 0xA1, 0x01, 0x60, 0x00, 0x00, 0xF4);
        assertInstanceOf(VcpuExit.Halted.class, m.run());
        assertEquals(0x12345678, m.cpu.core().r[CpuCore.EAX]);
    }
}
