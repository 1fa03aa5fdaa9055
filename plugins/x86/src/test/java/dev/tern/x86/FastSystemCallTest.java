package dev.tern.x86;

import dev.tern.kernel.state.SectionFrame;
import dev.tern.spi.state.StateSection;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.memory.Segment;
import dev.tern.x86.ops.ModelSpecificRegisters;
import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static dev.tern.x86.TestMachine.CODE0;
import static dev.tern.x86.TestMachine.CODE3;
import static dev.tern.x86.TestMachine.DATA0;
import static dev.tern.x86.TestMachine.DATA3;
import static dev.tern.x86.TestMachine.STACK0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SYSENTER/SYSEXIT and their MSRs (SDM vol. 2B, SYSENTER and SYSEXIT; vol. 3A 5.8.7): the flat
 * segments derived from IA32_SYSENTER_CS, the flags each clears, the #GP(0) rules, and the MSRs in
 * saved state. TestMachine's GDT already has the layout the instructions assume: ring-0 code 0x08,
 * ring-0 data 0x10, ring-3 code 0x18, ring-3 data 0x20.
 */
class FastSystemCallTest {

    static final int ENTRY = 0x30000, KERNEL_ESP = 0x7f000, USER_CODE = 0x10200, USER_ESP = 0x8f000;

    /** mov ecx, msr; mov eax, value; xor edx, edx; wrmsr. */
    private static int[] wrmsr(int msr, int value) {
        return new int[] {0xB9, msr & 0xff, (msr >>> 8) & 0xff, (msr >>> 16) & 0xff, msr >>> 24,
                0xB8, value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24,
                0x31, 0xD2, 0x0F, 0x30};
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
    }

    /** Ring-0 code that programs the MSRs for CS {@code cs}, sets IF and SYSEXITs to USER_CODE. */
    private static TestMachine toUser(int cs, int... userCode) {
        TestMachine m = new TestMachine().protectedMode();
        m.code(concat(wrmsr(0x174, cs), wrmsr(0x175, KERNEL_ESP), wrmsr(0x176, ENTRY),
                new int[] {0xBA, USER_CODE & 0xff, (USER_CODE >>> 8) & 0xff, USER_CODE >>> 16, 0,   // mov edx
                        0xB9, USER_ESP & 0xff, (USER_ESP >>> 8) & 0xff, USER_ESP >>> 16, 0,         // mov ecx
                        0xFB, 0x0F, 0x35}));                                                    // sti; sysexit
        m.poke(USER_CODE, userCode);
        m.poke(ENTRY, 0xF4);
        return m;
    }

    private static void assertFlat(Segment s, int selector, int dpl, boolean code) {
        assertEquals(selector, s.selector, "selector");
        assertEquals(0, s.base, "base");
        assertEquals(-1, s.limit, "4 GiB limit");
        assertEquals(dpl, s.dpl(), "DPL");
        assertEquals(code, s.isCode(), "code segment");
        assertTrue(s.big(), "32-bit (D/B set)");
    }

    @Test
    void sysexitReachesRing3AndSysenterComesBackFlatWithInterruptsOff() {
        TestMachine m = toUser(CODE0,
                0x89, 0xE3,        // mov ebx, esp
                0x8C, 0xCE,        // mov esi, cs
                0x8C, 0xD7,        // mov edi, ss
                0x9C, 0x5D,        // pushfd; pop ebp
                0x0F, 0x34);       // sysenter
        m.run();
        CpuCore c = m.cpu.core();
        assertEquals(USER_ESP, c.r[CpuCore.EBX], "SYSEXIT loads ESP from ECX");
        assertEquals(CODE3, c.r[CpuCore.ESI] & 0xffff, "user CS = IA32_SYSENTER_CS + 16, RPL 3");
        assertEquals(DATA3, c.r[CpuCore.EDI] & 0xffff, "user SS = IA32_SYSENTER_CS + 24, RPL 3");
        assertTrue((c.r[CpuCore.EBP] & CpuCore.IF) != 0, "SYSEXIT leaves EFLAGS alone");
        assertEquals(ENTRY + 1, c.eip, "SYSENTER jumps to IA32_SYSENTER_EIP");
        assertEquals(KERNEL_ESP, m.esp(), "and loads IA32_SYSENTER_ESP");
        assertEquals(0, c.cpl);
        assertFalse(c.ef.test(CpuCore.IF), "SYSENTER clears IF");
        assertFlat(c.seg[CpuCore.CS], CODE0, 0, true);
        assertFlat(c.seg[CpuCore.SS], DATA0, 0, false);
        assertEquals(1, m.cpu.sysexitCount(), "one SYSEXIT counted");
        assertEquals(1, m.cpu.sysenterCount(), "one SYSENTER counted");
    }

    @Test
    void sysenterWithANullSysenterCsIsGeneralProtection() {
        TestMachine m = new TestMachine().protectedMode();
        m.code(concat(wrmsr(0x174, 3), new int[] {0x0F, 0x34}));   // selector 0 with RPL 3 is still null
        m.run();
        assertEquals(13, m.handledVector());
        assertEquals(0, m.stack(0), "error code");
        assertEquals(TestMachine.CODE + 14, m.stack(1), "the fault points at SYSENTER");
        assertEquals(0, m.cpu.sysenterCount(), "a SYSENTER that raised #GP is not counted");
    }

    @Test
    void sysexitAtCpl3IsGeneralProtection() {
        TestMachine m = toUser(CODE0, 0x90, 0x0F, 0x35);   // nop; sysexit at CPL 3
        m.run();
        assertEquals(13, m.handledVector());
        assertEquals(0, m.stack(0), "error code");
        assertEquals(USER_CODE + 1, m.stack(1), "the fault points at SYSEXIT");
        assertEquals(CODE3, m.stack(2), "from ring 3");
        assertEquals(STACK0 - 6 * 4, m.esp(), "on the TSS ring-0 stack with SS:ESP pushed");
        assertEquals(1, m.cpu.sysexitCount(), "the SYSEXIT to ring 3 counted, the faulting one not");
    }

    @Test
    void sysexitWithANullSysenterCsIsGeneralProtectionEvenAtCpl0() {
        TestMachine m = new TestMachine().protectedMode();
        m.code(0x0F, 0x35);
        m.run();
        assertEquals(13, m.handledVector());
        assertEquals(TestMachine.CODE, m.stack(1));
    }

    @Test
    void msrsReadBackTheirLow32BitsAndRing3CannotReachThem() {
        TestMachine m = new TestMachine().protectedMode();
        m.code(concat(wrmsr(0x174, 0xabcd0008), wrmsr(0x176, 0xc0123456),
                new int[] {0xB9, 0x74, 0x01, 0, 0, 0x0F, 0x32, 0x89, 0xC6, 0x89, 0xD7,   // rdmsr 0x174 -> esi, edi
                        0xB9, 0x76, 0x01, 0, 0, 0x0F, 0x32, 0xF4}));                   // rdmsr 0x176; hlt
        m.run();
        CpuCore c = m.cpu.core();
        assertEquals(0xabcd0008, c.r[CpuCore.ESI]);
        assertEquals(0, c.r[CpuCore.EDI], "bits 63:32 read as 0");
        assertEquals(0xc0123456, c.r[CpuCore.EAX]);
        assertEquals(0, c.r[CpuCore.EDX]);

        TestMachine user = toUser(CODE0, 0xB9, 0x74, 0x01, 0, 0, 0x0F, 0x32);   // rdmsr at CPL 3
        user.run();
        assertEquals(13, user.handledVector());
    }

    @Test
    void msrsTravelInTheOptionalSubsectionAndAnOlderStateLoadsThemAsReset() throws Exception {
        TestMachine m = toUser(CODE0, 0xF4);
        m.run();
        ModelSpecificRegisters written = m.cpu.systemOps().msrs();
        assertEquals(new ModelSpecificRegisters(CODE0, KERNEL_ESP, ENTRY, 0), written);
        byte[] frame = SectionFrame.encode(section(m.cpu));

        TestMachine target = new TestMachine().protectedMode();
        SectionFrame.load(section(target.cpu), frame);
        assertEquals(written, target.cpu.systemOps().msrs());

        // A state saved before the guest wrote any of them has no subsection: loading it resets them.
        byte[] resetFrame = SectionFrame.encode(section(new TestMachine().protectedMode().cpu));
        SectionFrame.load(section(target.cpu), resetFrame);
        assertEquals(ModelSpecificRegisters.RESET, target.cpu.systemOps().msrs());
    }

    @SuppressWarnings("unchecked")
    private static StateSection<X86State> section(X86Cpu cpu) {
        return (StateSection<X86State>) cpu.sections().getFirst();
    }
}
