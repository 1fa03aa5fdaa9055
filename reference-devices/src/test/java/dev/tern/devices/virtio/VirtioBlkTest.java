package dev.tern.devices.virtio;

import dev.tern.devices.virtio.LegacyVirtioDriver.Buffer;
import dev.tern.devices.virtio.blk.VirtioBlkProvider;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.testkit.DeviceContract;
import dev.tern.testkit.DeviceHarness;
import dev.tern.spi.ConfigException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** virtio-blk driven through PCI configuration space and the legacy BAR, as a guest driver does. */
class VirtioBlkTest extends DeviceContract {

    private static final int SECTORS = 64;
    private static final Path CONTRACT_IMAGE = image();
    private static final long HEADER = 0x200000;
    private static final long DATA = 0x210000;
    private static final long STATUS = 0x220000;
    private static final long RINGS = 0x300000;

    private static Path image() {
        try {
            Path p = Files.createTempFile("tern-virtio-blk-contract", ".img");
            p.toFile().deleteOnExit();
            Files.write(p, new byte[SECTORS * 512]);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected DeviceProvider provider() {
        return new VirtioBlkProvider();
    }

    @Override
    protected Map<String, String> config() {
        return Map.of("path", CONTRACT_IMAGE.toString());
    }

    @Override
    protected DeviceHarness harness() {
        return VirtioRig.contractHarness(provider(), config());
    }

    @Override
    protected void exercise(DeviceHarness h, Device device, Random rnd, int operations) {
        VirtioRig.hostileActions(h, rnd, Math.min(operations, 5_000));
        super.exercise(h, device, rnd, operations);
    }

    private record Disk(DeviceHarness h, Device device, LegacyVirtioDriver driver, Path file) {
    }

    private static Disk disk(Map<String, String> extra) throws IOException {
        Path file = Files.createTempFile("tern-virtio-blk", ".img");
        file.toFile().deleteOnExit();
        byte[] content = new byte[SECTORS * 512];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 7 + i / 512);
        }
        Files.write(file, content);
        DeviceHarness h = VirtioRig.machine();
        var cfg = new java.util.HashMap<>(extra);
        cfg.put("path", file.toString());
        Device d = VirtioRig.add(h, "vblk0", new VirtioBlkProvider(), cfg);
        var driver = new LegacyVirtioDriver(LegacyVirtioDriver.ConfigAccess.mechanism1(h.ports()), 1, h.ports(),
                h.memory(), VirtioRig.IO_BASE);
        return new Disk(h, d, driver, file);
    }

    private static int request(Disk k, int type, long sector, long dataGpa, int dataLen, boolean deviceWrites) {
        byte[] header = new byte[16];
        header[0] = (byte) type;
        for (int i = 0; i < 8; i++) {
            header[8 + i] = (byte) (sector >>> (8 * i));
        }
        k.h().memory().write(HEADER, header, 0, 16);
        k.h().memory().writeU8(STATUS, 0xee);
        List<Buffer> chain = dataLen == 0
                ? List.of(new Buffer(HEADER, 16, false), new Buffer(STATUS, 1, true))
                : List.of(new Buffer(HEADER, 16, false), new Buffer(dataGpa, dataLen, deviceWrites), new Buffer(STATUS, 1, true));
        int head = k.driver().submit(0, chain);
        k.driver().notify(0);
        long[] used = k.driver().takeUsed(0);
        assertEquals(head, used[0], "used ring returns the request's head");
        return k.h().memory().readU8(STATUS);
    }

    @Test
    void identifiesAsTransitionalBlockDeviceWithWiredIrq() throws IOException {
        Disk k = disk(Map.of());
        var cfg = LegacyVirtioDriver.ConfigAccess.mechanism1(k.h().ports());
        assertEquals(0x1af4, cfg.read(1, 0, 2));
        assertEquals(0x1001, cfg.read(1, 2, 2));
        assertEquals(0, cfg.read(1, 8, 1), "revision 0: legacy ABI");
        assertEquals(0x1af4, cfg.read(1, 0x2c, 2));
        assertEquals(2, cfg.read(1, 0x2e, 2), "subsystem id is the virtio device type");
        assertEquals(10, cfg.read(1, 0x3c, 1), "INTERRUPT_LINE: slot 1 INTA is PIRQB, routed to IRQ 10");
        assertEquals(1, cfg.read(1, 0x3d, 1), "INTA");
        assertEquals(SECTORS, k.driver().configU64(0), "capacity in sectors");
        assertEquals(512, k.driver().ports.read(VirtioRig.IO_BASE + 0x14 + 20, 4), "blk_size");
    }

    @Test
    void writesReadsFlushesAndIdentifies() throws IOException {
        Disk k = disk(Map.of("serial", "TERN-DISK-1"));
        long features = k.driver().initialize(-1L, RINGS, 1);
        assertTrue((features & 1L << 9) != 0, "FLUSH offered");
        assertEquals(0, features & 1L << 5, "not read-only");
        int irq = LegacyVirtioDriver.ConfigAccess.mechanism1(k.h().ports()).read(1, 0x3c, 1);

        byte[] data = new byte[1024];
        new Random(1).nextBytes(data);
        k.h().memory().write(DATA, data, 0, data.length);
        assertEquals(0, request(k, 1, 3, DATA, 1024, false));
        assertTrue(k.h().interrupts().level(irq), "INTx raised for the used buffer");
        assertEquals(1, k.driver().readIsr() & 1);
        assertFalse(k.h().interrupts().level(irq), "reading the ISR lowers INTx");
        assertArrayEquals(data, Arrays.copyOfRange(Files.readAllBytes(k.file()), 3 * 512, 5 * 512));

        k.h().memory().write(DATA, new byte[1024], 0, 1024);
        assertEquals(0, request(k, 0, 3, DATA, 1024, true));
        byte[] back = new byte[1024];
        k.h().memory().read(DATA, back, 0, 1024);
        assertArrayEquals(data, back);

        assertEquals(0, request(k, 4, 0, 0, 0, false), "flush");
        assertEquals(0, request(k, 8, 0, DATA, 20, true), "get id");
        byte[] id = new byte[20];
        k.h().memory().read(DATA, id, 0, 20);
        assertEquals("TERN-DISK-1", new String(id, StandardCharsets.US_ASCII).trim().replace("\0", ""));
        assertEquals(2, request(k, 99, 0, 0, 0, false), "unsupported type");
    }

    @Test
    void outOfRangeAndPartialSectorRequestsFailWithoutTouchingTheFile() throws IOException {
        Disk k = disk(Map.of());
        k.driver().initialize(-1L, RINGS, 1);
        byte[] before = Files.readAllBytes(k.file());
        assertEquals(1, request(k, 1, SECTORS - 1, DATA, 1024, false), "write past the end");
        assertEquals(1, request(k, 0, -1L, DATA, 512, true), "negative sector");
        assertEquals(1, request(k, 1, 0, DATA, 100, false), "partial sector");
        assertArrayEquals(before, Files.readAllBytes(k.file()));
        assertEquals(0, k.driver().status() & LegacyVirtioDriver.NEEDS_RESET, "I/O errors are not ring faults");
    }

    @Test
    void readOnlyDiskOffersRoAndRefusesWrites() throws IOException {
        Disk k = disk(Map.of("readonly", "on"));
        long features = k.driver().initialize(-1L, RINGS, 1);
        assertTrue((features & 1L << 5) != 0, "VIRTIO_BLK_F_RO");
        byte[] before = Files.readAllBytes(k.file());
        assertEquals(1, request(k, 1, 0, DATA, 512, false));
        assertArrayEquals(before, Files.readAllBytes(k.file()));
        assertEquals(0, request(k, 0, 1, DATA, 512, true));
        byte[] sector = new byte[512];
        k.h().memory().read(DATA, sector, 0, 512);
        assertArrayEquals(Arrays.copyOfRange(before, 512, 1024), sector);
    }

    @Test
    void headerAndDataMaySplitAcrossAnyDescriptors() throws IOException {
        Disk k = disk(Map.of());
        k.driver().initialize(-1L, RINGS, 1);
        byte[] header = new byte[16];
        header[0] = 0; // IN
        header[8] = 2; // sector 2
        k.h().memory().write(HEADER, header, 0, 16);
        int head = k.driver().submit(0, List.of(new Buffer(HEADER, 5, false), new Buffer(HEADER + 5, 11, false),
                new Buffer(DATA, 100, true), new Buffer(DATA + 0x1000, 412, true), new Buffer(STATUS, 1, true)));
        k.driver().notify(0);
        assertEquals(head, k.driver().takeUsed(0)[0]);
        assertEquals(0, k.h().memory().readU8(STATUS));
        byte[] file = Files.readAllBytes(k.file());
        byte[] a = new byte[100];
        byte[] b = new byte[412];
        k.h().memory().read(DATA, a, 0, 100);
        k.h().memory().read(DATA + 0x1000, b, 0, 412);
        assertArrayEquals(Arrays.copyOfRange(file, 1024, 1124), a);
        assertArrayEquals(Arrays.copyOfRange(file, 1124, 1536), b);
    }

    @Test
    void statusZeroResetsQueuesAndFeatures() throws IOException {
        Disk k = disk(Map.of());
        k.driver().initialize(-1L, RINGS, 1);
        k.driver().setStatus(0);
        assertEquals(0, k.driver().status());
        assertEquals(0, k.driver().ports.read(VirtioRig.IO_BASE + 0x04, 4), "driver features cleared");
        assertEquals(0, k.driver().ports.read(VirtioRig.IO_BASE + 0x08, 4), "queue PFN cleared");
        k.driver().initialize(-1L, RINGS, 1);
        assertEquals(0, request(k, 4, 0, 0, 0, false), "works again after reset");
    }

    @Test
    void missingImageAndBadKeysAreConfigErrorsNamingTheKey() {
        DeviceHarness h = VirtioRig.machine();
        var e = assertThrows(ConfigException.class, () -> new VirtioBlkProvider().create(
                h.withInstance("vblk0", new VirtioBlkProvider(), Map.of("path", "/nonexistent/disk.img"))));
        assertTrue(e.getMessage().contains("/nonexistent/disk.img"), e.getMessage());
        assertThrows(ConfigException.class, () -> new VirtioBlkProvider().create(h.withInstance("vblk0",
                new VirtioBlkProvider(), Map.of("path", CONTRACT_IMAGE.toString(), "serial", "x".repeat(21)))));
        assertThrows(ConfigException.class, () -> new VirtioBlkProvider().create(h.withInstance("vblk0",
                new VirtioBlkProvider(), Map.of("path", CONTRACT_IMAGE.toString(), "slot", "32"))));
    }

    @Test
    void devicesTakeFreeSlotsAndATakenSlotIsRefused() {
        DeviceHarness h = VirtioRig.machine();
        Map<String, String> cfg = Map.of("path", CONTRACT_IMAGE.toString());
        Device a = VirtioRig.add(h, "vblk0", new VirtioBlkProvider(), cfg);
        Device b = VirtioRig.add(h, "vblk1", new VirtioBlkProvider(), cfg);
        assertEquals(1, ((VirtioPciDevice) a).function().slot());
        assertEquals(2, ((VirtioPciDevice) b).function().slot());
        var fixed = new java.util.HashMap<>(cfg);
        fixed.put("slot", "2");
        var e = assertThrows(IllegalStateException.class, () -> VirtioRig.add(h, "vblk2", new VirtioBlkProvider(), fixed));
        assertTrue(e.getMessage().contains("slot 2") && e.getMessage().contains("vblk1"), e.getMessage());
        a.powerOff();
        b.powerOff();
    }

    @Test
    void withoutAPciHostRealizeNamesTheMissingDevice() {
        DeviceHarness h = DeviceHarness.of(provider(), config());
        Device d = new VirtioBlkProvider().create(h);
        var e = assertThrows(IllegalStateException.class, d::realize);
        assertTrue(e.getMessage().contains("pci-host"), e.getMessage());
        d.powerOff();
    }
}
