package dev.tern.x86;

import dev.tern.x86.core.CpuCore;
import dev.tern.x86.ops.SystemOps;
import org.junit.jupiter.api.Test;

import static dev.tern.x86.TestMachine.CODE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FXSAVE/FXRSTOR (0F AE /0, /1; SDM vol. 2A, FXSAVE, table "Non-64-bit-Mode Layout of FXSAVE
 * and FXRSTOR Memory Region") run by the CPU on a real x87 unit: the 512-byte image, the restore,
 * and the #GP/#NM/#UD/#PF rules, with CPUID's FXSR bit following the unit.
 */
class FxsaveTest {

    static final int AREA = 0x40000, SECOND = 0x40200;

    private static TestMachine withFpu() {
        TestMachine m = new TestMachine().protectedMode();
        m.cpu.attachFpu(new X87Unit());
        return m;
    }

    private static int[] at(int opcodeModrm, int address) {
        return new int[] {0x0F, 0xAE, opcodeModrm, address & 0xff, (address >>> 8) & 0xff, (address >>> 16) & 0xff,
                address >>> 24};
    }

    @Test
    void fxsaveStoresTheFxsaveLayoutAndFxrstorBringsItBack() {
        TestMachine m = withFpu();
        int[] code = new int[] {0xD9, 0xE8, 0xD9, 0xEB};   // fld1; fldpi (at CODE + 2)
        m.code(code);
        m.poke(CODE + 4, at(0x05, AREA));                  // fxsave [AREA]
        m.poke(CODE + 11, 0xDB, 0xE3);                     // fninit
        m.poke(CODE + 13, at(0x0D, AREA));                 // fxrstor [AREA]
        m.poke(CODE + 20, at(0x05, SECOND));               // fxsave [SECOND]
        m.poke(CODE + 27, 0xF4);
        m.run();
        assertEquals(CODE + 28, m.cpu.core().eip, "ran to the HLT without a fault");
        assertEquals(0x037f, m.memory.readU16(AREA), "FCW");
        assertEquals(6 << 11, m.memory.readU16(AREA + 2), "FSW with TOP = 6");
        assertEquals(0xC0, m.memory.readU8(AREA + 4), "abridged tag: physical registers 6 and 7 valid");
        assertEquals(0x1EB, m.memory.readU16(AREA + 6), "FOP of FLDPI");
        assertEquals(CODE + 2, m.memory.readU32(AREA + 8), "FIP");
        assertEquals(TestMachine.CODE0, m.memory.readU16(AREA + 12), "FCS");
        assertEquals(0xc90fdaa22168c235L, m.memory.readU64(AREA + 32), "ST0 = pi, significand");
        assertEquals(0x4000, m.memory.readU16(AREA + 40), "ST0 exponent");
        assertEquals(0x8000000000000000L, m.memory.readU64(AREA + 48), "ST1 = 1.0");
        assertEquals(0x3fff, m.memory.readU16(AREA + 56));
        for (int off = 0; off < 160; off += 4) {
            assertEquals(m.memory.readU32(AREA + off), m.memory.readU32(SECOND + off),
                    "FXRSTOR after FNINIT restored what the image holds, offset " + off);
        }
    }

    @Test
    void aMisalignedAreaIsGeneralProtectionAndWritesNothing() {
        TestMachine m = withFpu();
        m.code(at(0x05, AREA + 8));
        m.run();
        assertEquals(13, m.handledVector());
        assertEquals(0, m.stack(0), "error code");
        assertEquals(0, m.memory.readU32(AREA + 8));
    }

    @Test
    void taskSwitchedOrEmulatedIsDeviceNotAvailable() {
        for (int bit : new int[] {0x8, 0x4}) {
            TestMachine m = withFpu();
            m.code(0x0F, 0x20, 0xC0, 0x83, 0xC8, bit, 0x0F, 0x22, 0xC0);   // cr0 |= TS or EM
            m.poke(CODE + 9, at(0x0D, AREA));
            m.run();
            assertEquals(7, m.handledVector(), "CR0 bit 0x" + Integer.toHexString(bit));
            assertEquals(CODE + 9, m.stack(0), "#NM has no error code and points at FXRSTOR");
        }
    }

    @Test
    void withoutAnFpuOrInRegisterFormItIsInvalidOpcode() {
        TestMachine bare = new TestMachine().protectedMode();
        bare.code(at(0x05, AREA));
        bare.run();
        assertEquals(6, bare.handledVector(), "no x87 unit: no FXSR");
        assertEquals(0, bare.cpu.systemOps().features() & SystemOps.FEATURE_FXSR);

        TestMachine m = withFpu();
        m.code(0x0F, 0xAE, 0xF8);   // SFENCE needs SSE
        m.run();
        assertEquals(6, m.handledVector());
        assertTrue((m.cpu.systemOps().features() & SystemOps.FEATURE_FXSR) != 0);
    }

    @Test
    void aPageFaultOnTheSecondPageLeavesTheFirstUntouched() {
        TestMachine m = withFpu().paging();
        int area = 0x40F00;
        m.memory.writeU32(m.pte(0x41000), 0);
        m.code(0xD9, 0xE8);
        m.poke(CODE + 2, at(0x05, area));
        m.run();
        assertEquals(14, m.handledVector());
        assertEquals(0x41000, m.cpu.core().cr2 & ~0xfff, "CR2 in the absent page");
        for (int off = 0; off < 0x100; off += 4) {
            assertEquals(0, m.memory.readU32(area + off), "nothing written at offset " + off);
        }
    }

    @Test
    void cr4OsfxsrIsWritableOnlyWhenFxsrIsAdvertised() {
        int[] setOsfxsr = {0xB8, 0x00, 0x02, 0, 0, 0x0F, 0x22, 0xE0, 0xF4};   // mov eax, 0x200; mov cr4, eax; hlt
        TestMachine m = withFpu();
        m.code(setOsfxsr);
        m.run();
        assertEquals(0x200, m.cpu.core().cr4);
        TestMachine bare = new TestMachine().protectedMode();
        bare.code(setOsfxsr);
        bare.run();
        assertEquals(13, bare.handledVector());
    }

    @Test
    void cpuidAdvertisesSepAndFxsrAndRdtscp() {
        TestMachine m = withFpu();
        m.code(0xB8, 1, 0, 0, 0, 0x0F, 0xA2, 0x89, 0xD6,                  // cpuid 1; mov esi, edx
                0xB8, 0, 0, 0, 0x80, 0x0F, 0xA2, 0x89, 0xC7,                  // cpuid 0x80000000; mov edi, eax
                0xB8, 1, 0, 0, 0x80, 0x0F, 0xA2, 0xF4);                       // cpuid 0x80000001
        m.run();
        CpuCore c = m.cpu.core();
        int leaf1 = c.r[CpuCore.ESI];
        assertTrue((leaf1 & SystemOps.FEATURE_SEP) != 0, "SEP");
        assertTrue((leaf1 & SystemOps.FEATURE_FXSR) != 0, "FXSR");
        assertEquals(0x80000001, c.r[CpuCore.EDI], "highest extended leaf");
        assertEquals(SystemOps.FEATURE_RDTSCP, c.r[CpuCore.EDX], "0x80000001: RDTSCP only");
    }
}
