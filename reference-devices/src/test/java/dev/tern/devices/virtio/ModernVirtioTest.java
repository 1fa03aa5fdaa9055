package dev.tern.devices.virtio;

import dev.tern.devices.virtio.blk.VirtioBlkProvider;
import dev.tern.devices.virtio.net.VirtioNetProvider;
import dev.tern.spi.device.Device;
import dev.tern.testkit.DeviceHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The virtio 1.0 interface, driven as Linux's virtio_pci_modern does: capabilities found by
 * walking the PCI capability list, registers in memory BAR 4.
 */
class ModernVirtioTest {

    private static final long BAR4 = 0xfebf_0000L;
    private static final long DESC = 0x300000;
    private static final long AVAIL = 0x301000;
    private static final long USED = 0x302000;
    private static final long HEADER = 0x200000;
    private static final long DATA = 0x210000;
    private static final long STATUS = 0x220000;

    private final List<Device> devices = new ArrayList<>();
    private DeviceHarness h;
    private LegacyVirtioDriver.ConfigAccess cfg;
    private final Map<Integer, Long> regions = new HashMap<>();
    private final Map<Integer, Integer> lengths = new HashMap<>();
    private int notifyMultiplier;

    @AfterEach
    void off() {
        devices.forEach(Device::powerOff);
    }

    private void start(String provider, Map<String, String> config) {
        h = VirtioRig.machine();
        var p = provider.equals("blk") ? new VirtioBlkProvider() : new VirtioNetProvider();
        devices.add(VirtioRig.add(h, "v0", p, config));
        cfg = LegacyVirtioDriver.ConfigAccess.mechanism1(h.ports());
        assertEquals(0x10, cfg.read(1, 0x06, 2) & 0x10, "status: capability list present");
        cfg.write(1, 0x20, 4, 0xffff_ffff);
        assertEquals(0xffff_c000, cfg.read(1, 0x20, 4), "BAR4 is 16 KiB of 32-bit memory");
        cfg.write(1, 0x20, 4, (int) BAR4);
        cfg.write(1, 0x04, 2, 0x6);
        for (int at = cfg.read(1, 0x34, 1); at != 0; at = cfg.read(1, at + 1, 1)) {
            assertEquals(0x09, cfg.read(1, at, 1), "vendor-specific capability");
            int type = cfg.read(1, at + 3, 1);
            assertEquals(4, cfg.read(1, at + 4, 1), "in BAR 4");
            regions.put(type, BAR4 + cfg.read(1, at + 8, 4));
            lengths.put(type, cfg.read(1, at + 12, 4));
            if (type == 2) {
                notifyMultiplier = cfg.read(1, at + 16, 4);
            }
        }
        assertEquals(List.of(1, 2, 3, 4), regions.keySet().stream().sorted().toList());
    }

    private long common(int offset) {
        return regions.get(1) + offset;
    }

    /** Negotiates VERSION_1 plus whatever the device offers in the low word; returns the features. */
    private long negotiate() {
        h.mmio().write(common(0x14), 1, 0);
        h.mmio().write(common(0x14), 1, 3);
        h.mmio().write(common(0x00), 4, 0);
        long low = h.mmio().read(common(0x04), 4);
        h.mmio().write(common(0x00), 4, 1);
        long high = h.mmio().read(common(0x04), 4);
        assertEquals(1, high & 1, "VIRTIO_F_VERSION_1 offered");
        h.mmio().write(common(0x08), 4, 0);
        h.mmio().write(common(0x0c), 4, low);
        h.mmio().write(common(0x08), 4, 1);
        h.mmio().write(common(0x0c), 4, 1);
        h.mmio().write(common(0x14), 1, 0xb);
        assertEquals(0xb, h.mmio().read(common(0x14), 1), "FEATURES_OK accepted");
        return low | high << 32;
    }

    private int setupQueue(int q, int size) {
        h.mmio().write(common(0x16), 2, q);
        int max = (int) h.mmio().read(common(0x18), 2);
        assertEquals(0xffff, h.mmio().read(common(0x1a), 2), "no MSI-X vector");
        h.mmio().write(common(0x18), 2, size);
        long base = 0x10000L * q;
        h.memory().write(DESC + base, new byte[0x3000], 0, 0x3000);
        h.mmio().write(common(0x20), 8, DESC + base);
        h.mmio().write(common(0x28), 4, AVAIL + base); // 32-bit halves, as Linux's vp_iowrite64_twopart
        h.mmio().write(common(0x2c), 4, 0);
        h.mmio().write(common(0x30), 4, USED + base);
        h.mmio().write(common(0x34), 4, 0);
        h.mmio().write(common(0x1c), 2, 1);
        assertEquals(1, h.mmio().read(common(0x1c), 2));
        return max;
    }

    private void submit(int q, int size, long[][] chain) {
        long base = 0x10000L * q;
        for (int i = 0; i < chain.length; i++) {
            long d = DESC + base + 16L * i;
            h.memory().writeU64(d, chain[i][0]);
            h.memory().writeU32(d + 8, (int) chain[i][1]);
            h.memory().writeU16(d + 12, (i < chain.length - 1 ? 1 : 0) | (int) chain[i][2]);
            h.memory().writeU16(d + 14, i + 1);
        }
        int idx = h.memory().readU16(AVAIL + base + 2);
        h.memory().writeU16(AVAIL + base + 4 + 2L * (idx % size), 0);
        h.memory().writeU16(AVAIL + base + 2, idx + 1);
        int off = (int) h.mmio().read(common(0x1e), 2);
        h.mmio().write(regions.get(2) + (long) off * notifyMultiplier, 2, q);
    }

    @Test
    void modernBlockDeviceServesRequestsThroughMemoryBar() throws IOException {
        Path file = Files.createTempFile("tern-modern", ".img");
        file.toFile().deleteOnExit();
        byte[] content = new byte[32 * 512];
        Arrays.fill(content, (byte) 0x5a);
        Files.write(file, content);
        start("blk", Map.of("path", file.toString(), "modern", "on"));
        assertEquals(0x1001, cfg.read(1, 2, 2), "transitional device id");
        long features = negotiate();
        assertTrue((features & 1L << 32) != 0);
        assertEquals(1, h.mmio().read(common(0x12), 2), "one queue");
        assertEquals(256, setupQueue(0, 128));
        h.mmio().write(common(0x14), 1, 0xf);
        assertEquals(32, h.mmio().read(regions.get(4), 8), "capacity through the device region");

        byte[] header = new byte[16];
        header[0] = 1;
        header[8] = 4;
        h.memory().write(HEADER, header, 0, 16);
        byte[] data = new byte[512];
        Arrays.fill(data, (byte) 0x11);
        h.memory().write(DATA, data, 0, 512);
        submit(0, 128, new long[][] {{HEADER, 16, 0}, {DATA, 512, 0}, {STATUS, 1, 2}});
        assertEquals(1, h.memory().readU16(USED + 2));
        assertEquals(0, h.memory().readU8(STATUS));
        assertArrayEquals(data, Arrays.copyOfRange(Files.readAllBytes(file), 4 * 512, 5 * 512));
        int irq = cfg.read(1, 0x3c, 1);
        assertTrue(h.interrupts().level(irq));
        assertEquals(1, h.mmio().read(regions.get(3), 1), "ISR through the memory BAR");
        assertFalse(h.interrupts().level(irq));
        assertEquals(0, h.mmio().read(regions.get(3), 1), "read clears");
    }

    @Test
    void featuresOkIsRefusedWithoutVersion1() throws IOException {
        Path file = Files.createTempFile("tern-modern", ".img");
        file.toFile().deleteOnExit();
        Files.write(file, new byte[512]);
        start("blk", Map.of("path", file.toString(), "modern", "on"));
        h.mmio().write(common(0x14), 1, 3);
        h.mmio().write(common(0x0c), 4, 0);
        h.mmio().write(common(0x14), 1, 0xb);
        assertEquals(0x3, h.mmio().read(common(0x14), 1));
    }

    @Test
    void modernNetUsesTwelveByteHeaders() {
        String hub = "modern-hub";
        start("net", Map.of("backend", "hub", "hub", hub, "modern", "on"));
        negotiate();
        assertEquals(2, h.mmio().read(common(0x12), 2));
        setupQueue(0, 256);
        setupQueue(1, 256);
        h.mmio().write(common(0x14), 1, 0xf);
        submit(0, 256, new long[][] {{DATA, 2048, 2}});
        var peer = dev.tern.devices.virtio.net.NetHub.named(hub).join();
        byte[] frame = new byte[60];
        Arrays.fill(frame, (byte) 0x42);
        peer.send(frame);
        h.machine().runPosted();
        assertEquals(72, h.memory().readU32(USED + 8), "12-byte header with VERSION_1");
        assertEquals(1, h.memory().readU16(DATA + 10), "num_buffers");
        byte[] got = new byte[60];
        h.memory().read(DATA + 12, got, 0, 60);
        assertArrayEquals(frame, got);

        List<byte[]> heard = new ArrayList<>();
        peer.start(heard::add);
        h.memory().write(HEADER, new byte[12], 0, 12);
        h.memory().write(HEADER + 12, frame, 0, 60);
        submit(1, 256, new long[][] {{HEADER, 72, 0}});
        assertEquals(1, heard.size());
        assertArrayEquals(frame, heard.get(0));
        peer.close();
    }
}
