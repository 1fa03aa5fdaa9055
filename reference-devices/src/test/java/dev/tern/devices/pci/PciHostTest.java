package dev.tern.devices.pci;

import dev.tern.spi.ConfigException;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.testkit.DeviceContract;
import dev.tern.testkit.DeviceHarness;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The host bridge's configuration mechanism #1, as Linux's pci_check_type1 and probing use it. */
class PciHostTest extends DeviceContract {

    @Override
    protected DeviceProvider provider() {
        return new PciHostProvider();
    }

    private DeviceHarness started() {
        DeviceHarness h = harness();
        start(h);
        return h;
    }

    private static void select(DeviceHarness h, int bus, int slot, int fn, int reg) {
        h.ports().write(0xcf8, 4, 0x8000_0000 | bus << 16 | slot << 11 | fn << 8 | reg);
    }

    @Test
    void configAddressIsADwordRegisterWithReservedBitsZero() {
        DeviceHarness h = started();
        h.ports().write(0xcf8, 4, 0x8000_0000);
        assertEquals(0x8000_0000, h.ports().read(0xcf8, 4));
        h.ports().write(0xcf8, 4, 0xffff_ffff);
        assertEquals(0x80ff_fffc, h.ports().read(0xcf8, 4), "bits 30:24 and 1:0 read as zero");
        h.ports().write(0xcfb, 1, 0x01);
        assertEquals(0x80ff_fffc, h.ports().read(0xcf8, 4), "byte writes do not reach CONFIG_ADDRESS");
        assertEquals(0xff, h.ports().read(0xcf9, 1));
    }

    @Test
    void hostBridgeIdentifiesAsI440fxHostBridge() {
        DeviceHarness h = started();
        select(h, 0, 0, 0, 0);
        assertEquals(0x1237_8086, h.ports().read(0xcfc, 4));
        select(h, 0, 0, 0, 8);
        assertEquals(0x0600_0002, h.ports().read(0xcfc, 4), "class 06/00/00, revision 2");
    }

    @Test
    void configDataHonoursByteAndWordOffsets() {
        DeviceHarness h = started();
        select(h, 0, 0, 0, 0);
        assertEquals(0x86, h.ports().read(0xcfc, 1));
        assertEquals(0x80, h.ports().read(0xcfd, 1));
        assertEquals(0x37, h.ports().read(0xcfe, 1));
        assertEquals(0x12, h.ports().read(0xcff, 1));
        assertEquals(0x8086, h.ports().read(0xcfc, 2));
        assertEquals(0x1237, h.ports().read(0xcfe, 2));
        assertEquals(0x3780, h.ports().read(0xcfd, 2), "unaligned word inside CONFIG_DATA");
        assertEquals(0xffff_1237, h.ports().read(0xcfe, 4), "bytes past 0xCFF read as all ones");
        // Latency timer (0x0D) is writable: a byte write at CFD lands there.
        select(h, 0, 0, 0, 0x0c);
        h.ports().write(0xcfd, 1, 0x40);
        assertEquals(0x40, h.ports().read(0xcfd, 1));
        assertEquals(0x4000, h.ports().read(0xcfc, 4) & 0xffff);
    }

    @Test
    void emptySlotsOtherBusesFunctionsAndDisabledAccessReadAllOnes() {
        DeviceHarness h = started();
        select(h, 0, 7, 0, 0);
        assertEquals(0xffff_ffff, h.ports().read(0xcfc, 4));
        select(h, 1, 0, 0, 0);
        assertEquals(0xffff_ffff, h.ports().read(0xcfc, 4));
        select(h, 0, 0, 3, 0);
        assertEquals(0xffff, h.ports().read(0xcfc, 2));
        h.ports().write(0xcf8, 4, 0); // enable bit clear
        assertEquals(0xffff_ffff, h.ports().read(0xcfc, 4));
    }

    @Test
    void readOnlyFieldsIgnoreWrites() {
        DeviceHarness h = started();
        select(h, 0, 0, 0, 0);
        h.ports().write(0xcfc, 4, 0);
        assertEquals(0x1237_8086, h.ports().read(0xcfc, 4));
        select(h, 0, 0, 0, 8);
        h.ports().write(0xcfc, 4, 0xffff_ffff);
        assertEquals(0x0600_0002, h.ports().read(0xcfc, 4));
    }

    @Test
    void publishesItsBusForTheMachineAndWithdrawsItAtPowerOff() {
        DeviceHarness h = harness();
        var d = start(h);
        PciBus bus = h.services().find(PciBus.class).orElseThrow();
        assertSame(bus, ((PciHostBridge) d).bus());
        assertThrows(IllegalStateException.class, () -> new PciHostProvider().create(h), "one host per machine");
        d.powerOff();
        assertTrue(h.services().find(PciBus.class).isEmpty());
    }

    @Test
    void irqRoutingIsValidated() {
        assertThrows(ConfigException.class, () -> new PciHostProvider().create(DeviceHarness.of(provider(), Map.of("irqs", "10,11"))));
        assertThrows(ConfigException.class, () -> new PciHostProvider().create(DeviceHarness.of(provider(), Map.of("irqs", "10,2,11,11"))));
        assertEquals(List.of(5, 9, 10, 11).size(), PciHostProvider.parseIrqs("5, 9,10,11").length);
    }
}
