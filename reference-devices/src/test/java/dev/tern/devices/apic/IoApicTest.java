package dev.tern.devices.apic;

import dev.tern.spi.device.DeviceProvider;
import dev.tern.spi.io.MmioHandler;
import dev.tern.testkit.DeviceContract;
import dev.tern.testkit.DeviceHarness;
import dev.tern.testkit.irq.RecordingCpuPort;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The I/O APIC with two local APICs on its bus: registers, edge and level inputs, remote IRR and EOI. */
class IoApicTest extends DeviceContract {

    private static final long BASE = 0xfec0_0000L;
    private DeviceHarness h;
    private ApicBus bus;

    @Override
    protected DeviceProvider provider() {
        return new IoApicProvider();
    }

    /** A machine with two vCPUs whose local APICs are already there, software-enabled. */
    @Override
    protected DeviceHarness harness() {
        DeviceHarness harness = DeviceHarness.of(provider(), config());
        harness.interrupts().setCpuCount(2);
        ApicBus b = (ApicBus) harness.withInstance("lapic0", new ApicBusProvider(), Map.of()).start(new ApicBusProvider());
        for (int i = 0; i < 2; i++) {
            b.registers(i).write(0xf0, 4, 0x1ff);
        }
        harness.services().find(ApicBus.class).orElseThrow();
        return harness;
    }

    @BeforeEach
    void boot() {
        h = harness();
        start(h);
        bus = h.services().find(ApicBus.class).orElseThrow();
    }

    private int reg(int index) {
        h.mmio().write(BASE, 4, index);
        return (int) h.mmio().read(BASE + 0x10, 4);
    }

    private void setReg(int index, int value) {
        h.mmio().write(BASE, 4, index);
        h.mmio().write(BASE + 0x10, 4, Integer.toUnsignedLong(value));
    }

    private void route(int pin, int low, int destination) {
        setReg(0x11 + 2 * pin, destination << 24);
        setReg(0x10 + 2 * pin, low);
    }

    private RecordingCpuPort cpu(int i) {
        return h.interrupts().cpu(i);
    }

    private boolean irr(int vcpu, int vector) {
        MmioHandler a = bus.registers(vcpu);
        return (a.read(0x200 + (vector >>> 5) * 0x10, 4) & (1L << (vector & 31))) != 0;
    }

    private void eoi(int vcpu) {
        bus.registers(vcpu).write(0xb0, 4, 0);
    }

    @Test
    void identificationRegistersAndResetState() {
        assertEquals(2 << 24, reg(0x00), "default ID: the first after the two processors");
        assertEquals(0x0017_0020, reg(0x01), "version 0x20, highest entry 23");
        assertEquals(2 << 24, reg(0x02));
        for (int pin = 0; pin < IoApic.PINS; pin++) {
            assertEquals(0x10000, reg(0x10 + 2 * pin), "entry " + pin + " masked");
            assertEquals(0, reg(0x11 + 2 * pin));
        }
        setReg(0x00, 0x0900_0000);
        assertEquals(9 << 24, reg(0x00));
        setReg(0x01, 0);
        assertEquals(0x0017_0020, reg(0x01), "read-only");
        assertEquals(0x01, h.mmio().read(BASE, 4), "IOREGSEL reads back");
        assertEquals(0, reg(0x10 + 2 * 24), "no entry 24");
    }

    @Test
    void anEdgeInputSendsOneMessagePerEdgeAndAMaskedEdgeIsLost() {
        route(4, 0x34, 1);
        h.interrupts().line(4).pulse();
        assertTrue(cpu(1).intr());
        assertFalse(cpu(0).intr());
        assertEquals(0x34, cpu(1).acknowledge());
        eoi(1);
        route(4, 0x10000 | 0x34, 1);
        h.interrupts().line(4).pulse();
        route(4, 0x34, 1);
        assertFalse(irr(1, 0x34), "an edge while masked is not remembered");
        assertEquals(0, reg(0x10 + 8) & 0x4000, "edge entries have no remote IRR");
    }

    @Test
    void aLevelInputWaitsForTheEoiAndIsSentAgainWhileStillAsserted() {
        route(9, 0x8000 | 0x39, 0);
        h.interrupts().line(9).raise();
        assertEquals(0x4000, reg(0x10 + 18) & 0x4000, "remote IRR set by the delivery");
        assertEquals(0x39, cpu(0).acknowledge());
        assertFalse(irr(0, 0x39));
        eoi(0);
        assertTrue(irr(0, 0x39), "still asserted at the EOI broadcast: sent again");
        assertEquals(0x4000, reg(0x10 + 18) & 0x4000);
        h.interrupts().line(9).lower();
        assertEquals(0x39, cpu(0).acknowledge());
        eoi(0);
        assertEquals(0, reg(0x10 + 18) & 0x4000);
        assertFalse(irr(0, 0x39));
        assertFalse(cpu(0).intr());
    }

    @Test
    void aMaskedLevelIsSentWhenUnmaskedAndTheEoiRegisterClearsRemoteIrr() {
        route(11, 0x1_0000 | 0x8000 | 0x4b, 1);
        h.interrupts().line(11).raise();
        assertFalse(irr(1, 0x4b));
        route(11, 0x8000 | 0x4b, 1);
        assertTrue(irr(1, 0x4b), "an asserted level is seen once unmasked");
        h.interrupts().line(11).lower();
        h.mmio().write(BASE + 0x40, 4, 0x4b);
        assertEquals(0, reg(0x10 + 22) & 0x4000, "version 0x20's EOI register");
    }

    @Test
    void activeLowPolarityLogicalDestinationAndNmi() {
        bus.registers(1).write(0xd0, 4, 0x02L << 24);
        route(5, 0x8000 | 0x2000 | 0x800 | 0x45, 0x02);
        assertTrue(irr(1, 0x45), "an active-low input is active while its line is low");
        h.interrupts().line(6).raise();
        route(6, 0x400, 0);
        assertTrue(cpu(0).signals().isEmpty(), "edge NMI entries fire on edges only");
        h.interrupts().line(6).lower();
        h.interrupts().line(6).raise();
        assertEquals(List.of(new RecordingCpuPort.Nmi()), cpu(0).signals());
    }

    @Test
    void withoutLocalApicsTheIoApicRefusesToStart() {
        DeviceHarness alone = DeviceHarness.of(provider(), config());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> alone.start(provider()));
        assertTrue(e.getMessage().contains("lapic"), e.getMessage());
    }
}
