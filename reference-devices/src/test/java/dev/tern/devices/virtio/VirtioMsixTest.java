package dev.tern.devices.virtio;

import dev.tern.devices.apic.ApicBus;
import dev.tern.devices.apic.ApicBusProvider;
import dev.tern.devices.pci.PciHostProvider;
import dev.tern.devices.virtio.blk.VirtioBlkProvider;
import dev.tern.spi.ConfigException;
import dev.tern.spi.device.Device;
import dev.tern.spi.state.StateSection;
import dev.tern.spi.state.Subsection;
import dev.tern.testkit.DeviceHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MSI-X of a virtio-blk device with {@code msix=on}, on a machine with two local APICs, driven as
 * Linux's virtio_pci_modern and PCI MSI-X code do: the capability found on the list, the table
 * programmed in memory BAR 1, vectors assigned through the common configuration; used buffers
 * arrive as the programmed message at the addressed local APIC, never as INTx; a masked vector
 * waits in the pending bits until unmasked; the state survives a save and load.
 */
class VirtioMsixTest {

    private static final int SLOT = 1;
    private static final long BAR1 = 0xfebe_0000L;
    private static final long BAR4 = 0xfebf_0000L;
    private static final long COMMON = BAR4 + ModernRegisters.COMMON;
    private static final long DESC = 0x300000;
    private static final long AVAIL = 0x301000;
    private static final long USED = 0x302000;
    private static final long HEADER = 0x200000;
    private static final long DATA = 0x210000;
    private static final long STATUS = 0x220000;

    private final List<Device> devices = new ArrayList<>();
    private DeviceHarness h;
    private ApicBus apics;
    private Device disk;
    private LegacyVirtioDriver.ConfigAccess cfg;
    private int msixCap;

    @BeforeEach
    void machine() throws IOException {
        Path file = Files.createTempFile("tern-msix", ".img");
        file.toFile().deleteOnExit();
        Files.write(file, new byte[16 * 512]);
        PciHostProvider host = new PciHostProvider();
        h = DeviceHarness.of(host, Map.of());
        h.interrupts().setCpuCount(2);
        devices.add(h.start(host));
        apics = (ApicBus) VirtioRig.add(h, "lapic", new ApicBusProvider(), Map.of());
        devices.add(apics);
        for (int cpu = 0; cpu < 2; cpu++) {
            apics.registers(cpu).write(0xf0, 4, 0x1ff); // software enable
        }
        disk = VirtioRig.add(h, "disk0", new VirtioBlkProvider(), Map.of("path", file.toString(), "msix", "true"));
        devices.add(disk);
        cfg = LegacyVirtioDriver.ConfigAccess.mechanism1(h.ports());
        for (int at = cfg.read(SLOT, 0x34, 1); at != 0; at = cfg.read(SLOT, at + 1, 1)) {
            if (cfg.read(SLOT, at, 1) == 0x11) {
                msixCap = at;
            }
        }
        assertTrue(msixCap != 0, "an MSI-X capability on the list");
        cfg.write(SLOT, 0x14, 4, (int) BAR1);
        cfg.write(SLOT, 0x20, 4, (int) BAR4);
        cfg.write(SLOT, 0x04, 2, 0x6);
    }

    @AfterEach
    void off() {
        devices.forEach(Device::powerOff);
    }

    private boolean irr(int cpu, int vector) {
        return (apics.registers(cpu).read(0x200 + 0x10 * (vector >>> 5), 4) >>> (vector & 31) & 1) != 0;
    }

    private void entry(int vector, long address, int data, boolean masked) {
        long e = BAR1 + 16L * vector;
        h.mmio().write(e, 4, address);
        h.mmio().write(e + 4, 4, 0);
        h.mmio().write(e + 8, 4, data);
        h.mmio().write(e + 12, 4, masked ? 1 : 0);
    }

    /** Negotiates VERSION_1, gives queue 0 vector {@code queueVector} and sets DRIVER_OK. */
    private void driverUp(int configVector, int queueVector) {
        h.mmio().write(COMMON + 0x14, 1, 0);
        h.mmio().write(COMMON + 0x14, 1, 3);
        h.mmio().write(COMMON + 0x08, 4, 1);
        h.mmio().write(COMMON + 0x0c, 4, 1);
        h.mmio().write(COMMON + 0x14, 1, 0xb);
        h.mmio().write(COMMON + 0x10, 2, configVector);
        h.mmio().write(COMMON + 0x16, 2, 0);
        h.mmio().write(COMMON + 0x18, 2, 16);
        h.memory().write(DESC, new byte[0x3000], 0, 0x3000);
        h.mmio().write(COMMON + 0x20, 8, DESC);
        h.mmio().write(COMMON + 0x28, 8, AVAIL);
        h.mmio().write(COMMON + 0x30, 8, USED);
        h.mmio().write(COMMON + 0x1a, 2, queueVector);
        h.mmio().write(COMMON + 0x1c, 2, 1);
        h.mmio().write(COMMON + 0x14, 1, 0xf);
    }

    /** Request {@code n}: a read of sector 0 (header, 512-byte buffer, status); the used ring advances once. */
    private void request(int n) {
        h.memory().write(HEADER, new byte[16], 0, 16); // type 0 (read), sector 0
        long[][] chain = {{HEADER, 16, 1}, {DATA, 512, 3}, {STATUS, 1, 2}}; // flags: NEXT 1, WRITE 2
        for (int i = 0; i < chain.length; i++) {
            long d = DESC + 16L * i;
            h.memory().writeU64(d, chain[i][0]);
            h.memory().writeU32(d + 8, (int) chain[i][1]);
            h.memory().writeU16(d + 12, (int) chain[i][2]);
            h.memory().writeU16(d + 14, i + 1);
        }
        h.memory().writeU16(AVAIL + 4 + 2L * (n % 16), 0);
        h.memory().writeU16(AVAIL + 2, n + 1);
        h.mmio().write(BAR4 + ModernRegisters.NOTIFY, 2, 0);
        assertEquals(n + 1, h.memory().readU16(USED + 2), "request served");
        assertEquals(0, h.memory().readU8(STATUS), "request succeeded");
    }

    @Test
    void theCapabilityDescribesTheTableInBar1() {
        assertEquals(1, cfg.read(SLOT, msixCap + 2, 2) & 0x7ff, "two vectors (table size - 1): configuration and one queue");
        assertEquals(1, cfg.read(SLOT, msixCap + 4, 4), "table at offset 0 of BAR 1");
        assertEquals(0x801, cfg.read(SLOT, msixCap + 8, 4), "pending bits at 0x800 of BAR 1");
        cfg.write(SLOT, msixCap + 2, 2, 0xc000);
        assertEquals(0xc001, cfg.read(SLOT, msixCap + 2, 2), "enable and function mask are writable, the size is not");
        cfg.write(SLOT, msixCap + 3, 1, 0x80);
        assertEquals(0x8001, cfg.read(SLOT, msixCap + 2, 2), "a byte write to the high half");
        assertEquals(1, h.mmio().read(BAR1 + 12, 4), "every vector starts masked");
    }

    @Test
    void usedBuffersArriveAsTheProgrammedMessageAtTheAddressedApic() {
        entry(0, 0xfee0_0000L, 0x41, false);
        entry(1, 0xfee0_1000L, 0x51, false);         // APIC ID 1, physical, fixed, edge, vector 0x51
        cfg.write(SLOT, msixCap + 2, 2, 0x8000);
        driverUp(0, 1);
        assertEquals(0, h.mmio().read(COMMON + 0x10, 2), "configuration vector taken");
        assertEquals(1, h.mmio().read(COMMON + 0x1a, 2), "queue vector taken");
        h.mmio().write(COMMON + 0x1a, 2, 7);
        assertEquals(0xffff, h.mmio().read(COMMON + 0x1a, 2), "a vector beyond the table reads back NO_VECTOR");
        h.mmio().write(COMMON + 0x1a, 2, 1);

        request(0);
        assertTrue(irr(1, 0x51), "vector 0x51 requested at APIC 1");
        assertFalse(irr(0, 0x51), "not at APIC 0");
        int irq = cfg.read(SLOT, 0x3c, 1);
        assertFalse(h.interrupts().level(irq), "no INTx while MSI-X is on");
        assertEquals(0, h.mmio().read(BAR4 + ModernRegisters.ISR, 1), "the ISR's queue bit is left alone");
    }

    @Test
    void aMaskedVectorWaitsInThePendingBitsUntilUnmasked() {
        entry(0, 0xfee0_0000L, 0x41, false);
        entry(1, 0xfee0_0000L, 0x61, true);
        cfg.write(SLOT, msixCap + 2, 2, 0x8000);
        driverUp(0, 1);
        request(0);
        assertFalse(irr(0, 0x61), "masked: nothing sent");
        assertEquals(2, h.mmio().read(BAR1 + 0x800, 8), "vector 1 pending");
        h.mmio().write(BAR1 + 16 + 12, 4, 0);
        assertTrue(irr(0, 0x61), "sent once unmasked");
        assertEquals(0, h.mmio().read(BAR1 + 0x800, 8), "no longer pending");

        cfg.write(SLOT, msixCap + 2, 2, 0xc000);   // function mask
        entry(1, 0xfee0_0000L, 0x62, false);
        request(1);
        assertFalse(irr(0, 0x62), "the function mask holds it");
        cfg.write(SLOT, msixCap + 2, 2, 0x8000);
        assertTrue(irr(0, 0x62), "sent once the function is unmasked");
    }

    @Test
    void aMessageOutsideTheApicWindowIsTheMemoryWriteItStandsFor() {
        entry(1, 0x5000, 0x1234_5678, false);
        cfg.write(SLOT, msixCap + 2, 2, 0x8000);
        driverUp(0xffff, 1);
        request(0);
        assertEquals(0x1234_5678, h.memory().readU32(0x5000));
    }

    @Test
    void vectorsAndTableSurviveASaveAndLoad() {
        entry(0, 0xfee0_0000L, 0x41, false);
        entry(1, 0xfee0_1000L, 0x51, true);
        cfg.write(SLOT, msixCap + 2, 2, 0x8000);
        driverUp(0, 1);
        request(0);
        Subsection<VirtioMsixState> msix = msixSubsection();
        VirtioMsixState saved = msix.save();
        assertTrue(msix.needed());

        disk.reset();
        assertEquals(0, cfg.read(SLOT, msixCap + 2, 2) & 0x8000, "reset: MSI-X off");
        assertTrue(msix.validate(saved).isEmpty(), msix.validate(saved).toString());
        msix.load(saved);
        assertEquals(0x8001, cfg.read(SLOT, msixCap + 2, 2), "enabled again");
        cfg.write(SLOT, 0x14, 4, (int) BAR1); // the reset cleared the BARs (their own section restores them)
        cfg.write(SLOT, 0x20, 4, (int) BAR4);
        cfg.write(SLOT, 0x04, 2, 0x6);
        h.mmio().write(COMMON + 0x16, 2, 0);
        assertEquals(1, h.mmio().read(COMMON + 0x1a, 2), "queue vector restored");
        assertEquals(0x51, h.mmio().read(BAR1 + 16 + 8, 4), "table restored");
        assertEquals(2, h.mmio().read(BAR1 + 0x800, 8), "pending bit restored");
        h.mmio().write(BAR1 + 16 + 12, 4, 0);
        assertTrue(irr(1, 0x51), "the restored pending vector is sent on unmask");

        var bad = new VirtioMsixState(0, new int[] {1, 1}, saved.table());
        assertTrue(msix.validate(bad).orElseThrow().contains("2 queue vectors, the device has 1 queues"), msix.validate(bad).toString());
        var beyond = new VirtioMsixState(5, new int[] {1}, saved.table());
        assertTrue(msix.validate(beyond).orElseThrow().contains("beyond 1"), msix.validate(beyond).toString());
    }

    @Test
    void msixWithoutTheModernInterfaceIsRefusedByName() throws IOException {
        Path file = Files.createTempFile("tern-msix", ".img");
        file.toFile().deleteOnExit();
        Files.write(file, new byte[512]);
        var e = assertThrows(ConfigException.class, () -> VirtioRig.add(h, "legacy", new VirtioBlkProvider(),
                Map.of("path", file.toString(), "msix", "true", "modern", "false")));
        assertTrue(e.getMessage().contains("'msix' = true needs 'modern' = true"), e.getMessage());
    }

    @SuppressWarnings("unchecked")
    private Subsection<VirtioMsixState> msixSubsection() {
        StateSection<?> transport = disk.sections().stream().filter(s -> s.name().equals("virtio-pci")).findFirst().orElseThrow();
        return (Subsection<VirtioMsixState>) transport.subsections().stream()
                .filter(s -> s.name().equals("msix")).findFirst().orElseThrow();
    }
}
