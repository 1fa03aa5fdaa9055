package dev.tern.x86;

import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;

import static dev.tern.x86.TestMachine.CODE3;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * RDTSCP (0F 01 F9; SDM vol. 2B, RDTSCP): the TSC as RDTSC reads it from the virtual clock, with
 * IA32_TSC_AUX in ECX, and CR4.TSD's #GP outside ring 0.
 */
class RdtscpTest {

    @Test
    void rdtscpReadsTheVirtualClockAndTscAux() {
        long[] now = {1_000};
        TestMachine base = new TestMachine().protectedMode();
        X86Cpu cpu = new X86Cpu(0, base.memory, null, null, null, () -> now[0], 2_000_000_000L, 0x652);
        cpu.load(base.cpu.save());
        base.code(0xB9, 0x03, 0x01, 0x00, 0xC0, 0xB8, 0x45, 0x23, 0x01, 0x00, 0x31, 0xD2, 0x0F, 0x30, // TSC_AUX = 0x12345
                0x0F, 0x01, 0xF9, 0x89, 0xC3, 0x31, 0xC9,                  // rdtscp; mov ebx, eax; xor ecx, ecx
                0x0F, 0x01, 0xF9, 0xF4);                                   // rdtscp; hlt
        cpu.run(6);
        now[0] = 3_000;
        cpu.run(10);
        CpuCore c = cpu.core();
        assertEquals(2_000, c.r[CpuCore.EBX], "2 GHz at 1000 ns");
        assertEquals(6_000, c.r[CpuCore.EAX], "2 GHz at 3000 ns");
        assertEquals(0, c.r[CpuCore.EDX]);
        assertEquals(0x12345, c.r[CpuCore.ECX], "IA32_TSC_AUX");
        assertEquals(0x12345, cpu.systemOps().msrs().tscAux());
    }

    @Test
    void tscAuxRefusesItsReservedUpperHalf() {
        TestMachine m = new TestMachine().protectedMode();
        m.code(0xB9, 0x03, 0x01, 0x00, 0xC0, 0xB8, 0x45, 0x23, 0x01, 0x00, 0xBA, 0x01, 0, 0, 0,   // edx = 1
                0x0F, 0x30);
        m.run();
        assertEquals(13, m.handledVector());
        assertEquals(TestMachine.CODE + 15, m.stack(1), "the fault points at WRMSR");
        assertEquals(0, m.cpu.systemOps().msrs().tscAux(), "nothing written");
    }

    @Test
    void timeStampDisableMakesRdtscpPrivileged() {
        TestMachine m = new TestMachine().protectedMode();
        // cr4 = TSD; then to ring 3 through IRETD and RDTSCP there.
        m.code(0xB8, 0x04, 0, 0, 0, 0x0F, 0x22, 0xE0,
                0x6A, 0x23, 0x68, 0x00, 0xF0, 0x08, 0x00, 0x6A, 0x02, 0x6A, 0x1B, 0x68, 0x00, 0x02, 0x01, 0x00,
                0xCF);
        m.poke(0x10200, 0x0F, 0x01, 0xF9);
        m.run();
        assertEquals(13, m.handledVector());
        assertEquals(0x10200, m.stack(1), "the fault points at RDTSCP");
        assertEquals(CODE3, m.stack(2), "from ring 3");
    }
}
