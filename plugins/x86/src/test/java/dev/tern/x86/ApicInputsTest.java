package dev.tern.x86;

import dev.tern.spi.cpu.VcpuExit;
import dev.tern.spi.irq.CpuInterruptPort;
import dev.tern.x86.conformance.FlatGuestMemory;
import dev.tern.x86.core.CpuCore;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An application processor's inputs from its local APIC (SDM vol. 3 8.4, 6.7): it waits for a
 * startup IPI after reset, starts in real mode at vector × 4 KiB, goes back to waiting on INIT, takes
 * NMIs through vector 2 with further NMIs held until IRET; CPUID and IA32_APIC_BASE report the APIC.
 */
class ApicInputsTest {

    private final FlatGuestMemory memory = new FlatGuestMemory(1 << 20);
    private final X86Cpu ap = new X86Cpu(1, memory, null, null, () -> 0x20, () -> 0L, 1_000_000_000L, 0x611);

    private void poke(int addr, int... bytes) {
        for (int i = 0; i < bytes.length; i++) {
            memory.writeU8(addr + i, bytes[i]);
        }
    }

    @Test
    void anApWaitsForAStartupIpiAndStartsInRealModeAtItsPage() {
        assertEquals(VcpuExit.HALTED, ap.run(1000));
        assertEquals(0, ap.instructionCount());
        assertTrue(ap.haltedForever(), "nothing but a startup IPI can start it");
        assertEquals(0, cpuid1Edx() & (1 << 9), "no APIC is advertised before one connects");

        CpuInterruptPort port = ap.connectLocalController(() -> 0x30);
        poke(0x8000, 0x66, 0xB8, 1, 0, 0, 0, 0x0F, 0xA2, 0xF4);   // mov eax, 1; cpuid; hlt
        port.startup(0x08);
        assertEquals(VcpuExit.HALTED, ap.run(1000));
        CpuCore c = ap.core();
        assertEquals(0x0800, c.seg[CpuCore.CS].selector);
        assertEquals(3, ap.instructionCount());
        assertEquals(1, c.r[CpuCore.EBX] >>> 24, "initial APIC ID");
        assertEquals(1 << 9, c.r[CpuCore.EDX] & (1 << 9), "CPUID.1:EDX.APIC");
        assertEquals(0xFEE00800L, ap.save().apicBase(), "enabled, not the BSP");

        port.startup(0x09);
        assertEquals(VcpuExit.HALTED, ap.run(1000));
        assertEquals(0x0800, c.seg[CpuCore.CS].selector, "a running AP ignores startup IPIs");

        port.init();
        assertEquals(VcpuExit.HALTED, ap.run(1000));
        assertEquals(3, ap.instructionCount(), "INIT keeps the instruction count");
        assertTrue(ap.haltedForever());
        port.startup(0x08);
        assertEquals(VcpuExit.HALTED, ap.run(1000));
        assertEquals(6, ap.instructionCount(), "started again at its page");
    }

    @Test
    void anNmiWakesAHaltAndFurtherNmisWaitForIret() {
        CpuInterruptPort port = ap.connectLocalController(() -> {
            ap.setInterruptRequest(false);
            return 0x30;
        });
        memory.writeU16(2 * 4, 0x0000);                 // IVT 2 (NMI): 0900:0000
        memory.writeU16(2 * 4 + 2, 0x0900);
        memory.writeU16(0x30 * 4, 0x0100);              // IVT 0x30: 0900:0100
        memory.writeU16(0x30 * 4 + 2, 0x0900);
        poke(0x9000, 0xFE, 0x06, 0x00, 0x92, 0xFB, 0xF4, 0xCF);   // inc byte [0x9200]; sti; hlt; iret
        poke(0x9100, 0xCF);                                        // iret
        poke(0x8000, 0xFA, 0xF4, 0xF4);                            // cli; hlt; hlt
        port.startup(0x08);
        assertEquals(VcpuExit.HALTED, ap.run(1000));
        port.nmi();
        assertEquals(VcpuExit.HALTED, ap.run(1000));
        CpuCore c = ap.core();
        assertEquals(0x0900, c.seg[CpuCore.CS].selector, "in the NMI handler despite IF = 0");
        assertEquals(6, c.eip);
        assertEquals(1, memory.readU8(0x9200));

        port.nmi();
        assertEquals(VcpuExit.HALTED, ap.run(1000));
        assertEquals(1, memory.readU8(0x9200), "a second NMI waits while the first one's handler runs");

        port.setInterruptRequest(true);                 // wakes the handler's HLT; it reaches its IRET
        assertEquals(VcpuExit.HALTED, ap.run(1000));
        assertEquals(2, memory.readU8(0x9200), "the held NMI is taken right after the IRET");
        assertEquals(6, c.eip);
    }

    @Test
    void aSecondLocalControllerIsRefused() {
        ap.connectLocalController(() -> 0x30);
        assertThrows(IllegalStateException.class, () -> ap.connectLocalController(() -> 0x31));
    }

    private int cpuid1Edx() {
        X86Cpu probe = new X86Cpu(0, memory, null, null, () -> 0x20, () -> 0L, 1_000_000_000L, 0x611);
        poke(0x7000, 0x66, 0xB8, 1, 0, 0, 0, 0x0F, 0xA2, 0xF4);
        probe.core().seg[CpuCore.CS].set(0x0700, 0x7000, 0xffff, 0x93, true);
        probe.core().eip = 0;
        probe.run(10);
        return probe.core().r[CpuCore.EDX];
    }
}
