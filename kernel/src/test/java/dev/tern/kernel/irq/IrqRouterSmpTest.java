package dev.tern.kernel.irq;

import dev.tern.spi.irq.CpuInterruptPort;
import dev.tern.spi.irq.InterruptController;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SMP parts of the wiring: per-vCPU ports, the 8259's virtual wire, and lines shared by taps. */
class IrqRouterSmpTest {

    @Test
    void aTapHearsLinesBesideTheirClaimantFromTheCurrentLevelOn() {
        IrqRouter router = new IrqRouter();
        List<String> pic = new ArrayList<>();
        List<String> ioapic = new ArrayList<>();
        router.claim("i8259", 0, 16, (i, level) -> pic.add(i + "=" + level));
        router.line(4).raise();
        router.tap("ioapic", 0, 16, (i, level) -> ioapic.add(i + "=" + level));
        router.line(4).lower();
        router.line(0).pulse();
        assertEquals(List.of("4=true", "4=false", "0=true", "0=false"), pic);
        assertEquals(List.of("4=true", "4=false", "0=true", "0=false"), ioapic);
        router.claim("ioapic", 16, 8, (i, level) -> ioapic.add("pci" + i + "=" + level));
        router.line(17).raise();
        assertEquals("pci1=true", ioapic.getLast());
    }

    @Test
    void perVcpuPortsAreHandedOutOncePerExistingVcpu() {
        IrqRouter router = new IrqRouter();
        InterruptController apic = () -> 0x30;
        assertThrows(UnsupportedOperationException.class, () -> router.connectCpu(0, apic),
                "no ports before the machine gives them");
        List<String> connected = new ArrayList<>();
        router.setCpuPorts(2, (id, c) -> {
            connected.add(id + ":" + c.acknowledge());
            return level -> { };
        });
        assertEquals(2, router.cpuCount());
        CpuInterruptPort port = router.connectCpu(1, apic);
        assertEquals(List.of("1:48"), connected);
        assertThrows(UnsupportedOperationException.class, port::nmi, "a port without NMI refuses it");
        assertThrows(IllegalStateException.class, () -> router.connectCpu(1, apic));
        var e = assertThrows(IllegalArgumentException.class, () -> router.connectCpu(2, apic));
        assertTrue(e.getMessage().contains("vCPU 2"), e.getMessage());
    }

    @Test
    void theVirtualWireTakesThe8259sIntrAndAcknowledgesReachIt() {
        IrqRouter router = new IrqRouter();
        List<Boolean> vcpu0 = new ArrayList<>();
        List<Boolean> lint0 = new ArrayList<>();
        router.setCpuPin(vcpu0::add);
        InterruptController extInt = router.connectVirtualWire(lint0::add);
        var intr = router.connectCpu(() -> 0x08);
        intr.raise();
        assertEquals(List.of(true), lint0);
        assertEquals(List.of(), vcpu0, "the CPUs' INTR pin no longer hears the 8259");
        assertEquals(0x08, extInt.acknowledge());
        assertThrows(IllegalStateException.class, () -> router.connectVirtualWire(level -> { }));
    }
}
