package dev.tern.devices.pci;

import dev.tern.spi.ConfigException;
import dev.tern.spi.state.Subsection;
import dev.tern.testkit.DeviceHarness;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A pci-bridge behind the host bridge: bus numbers and windows, configuration cycles, the INTx swizzle and the SHPC. */
class PciBridgeTest {

    private final DeviceHarness host = DeviceHarness.of(new PciHostProvider(), Map.of());
    private final DeviceHarness bridgeContext = host.withInstance("br1", new PciBridgeProvider(),
            Map.of("chassis-nr", "1", "slot", "5"));

    private PciBridge start() {
        host.start(new PciHostProvider());
        return (PciBridge) bridgeContext.start(new PciBridgeProvider());
    }

    private int read(int bus, int slot, int reg, int size) {
        host.ports().write(0xcf8, 4, 0x8000_0000 | bus << 16 | slot << 11 | (reg & 0xfc));
        return host.ports().read(0xcfc + (reg & 3), size);
    }

    private void write(int bus, int slot, int reg, int size, int value) {
        host.ports().write(0xcf8, 4, 0x8000_0000 | bus << 16 | slot << 11 | (reg & 0xfc));
        host.ports().write(0xcfc + (reg & 3), size, value);
    }

    private static PciFunction card(String name) {
        return new PciFunction(name, new PciIdentity(0x1af4, 0x1001, 0, 0x010000, 0x1af4, 2, 1), List.of(),
                new dev.tern.testkit.io.ArrayPortSpace(), new dev.tern.testkit.io.RangeMmioSpace());
    }

    @Test
    void theBridgeGetsItsBusNumbersAndWindowsAsFirmwareGivesThem() {
        start();
        assertEquals(0x0001_1b36, read(0, 5, 0, 4));
        assertEquals(0x01, read(0, 5, 0x0e, 1), "header type 1");
        assertEquals(0x060400, read(0, 5, 0x08, 4) >>> 8);
        assertEquals(0x01_01_00, read(0, 5, 0x18, 4) & 0xffffff, "primary 0, secondary 1, subordinate 1");
        assertEquals(0xe0e0, read(0, 5, 0x1c, 2), "I/O window 0xE000-0xEFFF");
        assertEquals(0xf870_f800, read(0, 5, 0x20, 4), "memory window 0xF8000000-0xF87FFFFF");
        assertEquals(0, read(0, 5, 0x24, 4), "no prefetchable window");
        write(0, 5, 0x24, 4, 0xfff0_fff0);
        assertEquals(0, read(0, 5, 0x24, 4), "and the guest cannot make one");
        assertEquals(PciBridge.SHPC_CAPABILITY, read(0, 5, read(0, 5, 0x34, 1), 1));
    }

    @Test
    void configurationCyclesReachTheSecondaryBusOnlyThroughTheBridgesRange() {
        PciBridge bridge = start();
        bridge.secondary().attach(2, card("disk"));
        assertEquals(0x1001_1af4, read(1, 2, 0, 4));
        assertEquals(0xffff_ffff, read(1, 3, 0, 4), "an empty slot");
        assertEquals(0xffff_ffff, read(2, 2, 0, 4), "a bus no bridge claims");
        write(0, 5, 0x19, 1, 4);
        write(0, 5, 0x1a, 1, 4);
        assertEquals(0x1001_1af4, read(4, 2, 0, 4), "renumbered by the guest");
        assertEquals(0xffff_ffff, read(1, 2, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> bridge.secondary().attach(0, card("zero")));
    }

    @Test
    void interruptsOfTheSecondaryBusAreSwizzledOntoTheBridgesPins() {
        PciBridge bridge = start();
        PciFunction disk = card("disk");
        bridge.secondary().attach(2, disk);
        // slot 2 INTA -> bridge INTC; bridge slot 5 INTC -> PIRQ (5 + 3 - 1) mod 4 = 3 -> IRQ 11
        assertEquals(11, read(1, 2, 0x3c, 1));
        disk.setInterrupt(true);
        assertTrue(host.interrupts().level(11));
        disk.setInterrupt(false);
        assertFalse(host.interrupts().level(11));
        PciFunction net = card("net");
        bridge.secondary().attach(3, net); // slot 3 INTA -> bridge INTD -> PIRQ 0 -> IRQ 10
        assertEquals(10, read(1, 3, 0x3c, 1));
        net.setInterrupt(true);
        assertTrue(host.interrupts().level(10));
        assertFalse(host.interrupts().level(11));
    }

    @Test
    void theShpcIsReachedThroughItsCapabilityAndAHotAddedCardRaisesTheBridgesInterrupt() {
        PciBridge bridge = start();
        int cap = read(0, 5, 0x34, 1);
        write(0, 5, cap + 2, 1, 3);
        assertEquals(31 | 1 << 8 | 33 << 16, read(0, 5, cap + 4, 4) & 0x7ff_1f1f, "31 slots from device 1, chassis 1");
        write(0, 5, cap + 2, 1, 8);
        write(0, 5, cap + 4, 4, 0); // unmask the controller's interrupts
        write(0, 5, cap + 2, 1, 9 + 2);
        write(0, 5, cap + 4, 4, 0); // and slot 3's events
        bridge.secondary().attach(3, card("hot"));
        assertTrue(bridge.shpc().present(2));
        assertEquals(1, read(0, 5, cap + 3, 1), "pending");
        // the bridge's own INTA at slot 5 -> PIRQ 1 -> IRQ 10
        assertTrue(host.interrupts().level(10));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aFunctionsSavedAddressHoldsItsBusAndAnotherBusIsRefused() {
        PciBridge bridge = start();
        PciFunction behind = card("disk");
        bridge.secondary().attach(3, behind);
        PciFunction onBus0 = card("disk");
        host.services().find(PciBus.class).orElseThrow().attach(3, onBus0);
        var saved = ((Subsection<PciAddressState>) behind.section("disk").subsections().getFirst()).save();
        assertEquals(new PciAddressState(1, 3, 0), saved);
        String why = ((Subsection<PciAddressState>) onBus0.section("disk").subsections().getFirst()).validate(saved)
                .orElseThrow();
        assertTrue(why.startsWith("device disk is at PCI address 01:03.0 on the source but at 00:03.0 here"), why);
    }

    @Test
    void badChassisAndSlotAreRefusedClearly() {
        host.start(new PciHostProvider());
        var bad = host.withInstance("br9", new PciBridgeProvider(), Map.of("chassis-nr", "64"));
        assertEquals("config key 'chassis-nr' = 64 is not 1..63",
                assertThrows(ConfigException.class, () -> bad.start(new PciBridgeProvider())).getMessage());
    }
}
