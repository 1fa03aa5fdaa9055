package dev.tern.devices.virtio;

import dev.tern.devices.virtio.LegacyVirtioDriver.Buffer;
import dev.tern.devices.virtio.blk.VirtioBlkProvider;
import dev.tern.devices.virtio.net.VirtioNetProvider;
import dev.tern.devices.virtio.net.VirtioNetState;
import dev.tern.kernel.state.SectionFrame;
import dev.tern.spi.device.Device;
import dev.tern.spi.state.StateSection;
import dev.tern.testkit.DeviceHarness;
import dev.tern.testkit.state.GoldenEncoding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Golden encodings of the PCI function, virtio transport and virtio-net sections. The transport's
 * state is reached by a driver (queues set up, requests completed, one request made available but
 * not yet notified, so the ring is in flight); virtio-net's pending frames are written out.
 * virtio-blk itself keeps no state of its own: requests complete inside the notify that started them.
 */
class VirtioSectionGoldenTest {

    private static final GoldenEncoding GOLDEN = GoldenEncoding.inModule(SectionFrame::encode, SectionFrame::load);
    private static final long RINGS = 0x300000;
    private static final long HEADER = 0x200000;
    private static final long STATUS = 0x220000;
    private static final long DATA = 0x240000;

    @TempDir
    Path dir;

    private final List<Device> started = new ArrayList<>();

    @AfterEach
    void powerOff() {
        started.forEach(Device::powerOff);
    }

    private Device blk() {
        Path disk = dir.resolve("disk.img");
        try {
            if (!Files.exists(disk)) {
                Files.write(disk, new byte[64 * 512]);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Device d = VirtioRig.add(VirtioRig.machine(), "vblk0", new VirtioBlkProvider(), Map.of("path", disk.toString(), "modern", "false"));
        started.add(d);
        return d;
    }

    /**
     * A block device whose driver completed two flushes and left a read in the available ring.
     *
     * @param acknowledge whether the driver read (and so cleared) the ISR: the PCI status register's
     *                    interrupt bit is derived from the transport on load, so the function's own
     *                    golden is taken with it clear
     */
    private Device blkWithARequestInFlight(boolean acknowledge) {
        DeviceHarness h = VirtioRig.machine();
        Path disk = dir.resolve("busy.img");
        try {
            Files.write(disk, new byte[64 * 512]);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Device d = VirtioRig.add(h, "vblk0", new VirtioBlkProvider(), Map.of("path", disk.toString(), "modern", "false"));
        started.add(d);
        var driver = new LegacyVirtioDriver(LegacyVirtioDriver.ConfigAccess.mechanism1(h.ports()), 1, h.ports(),
                h.memory(), VirtioRig.IO_BASE);
        driver.initialize(-1L, RINGS, 1);
        for (int i = 0; i < 2; i++) {
            h.memory().write(HEADER, header(4, 0), 0, 16);
            driver.submit(0, List.of(new Buffer(HEADER, 16, false), new Buffer(STATUS, 1, true)));
            driver.notify(0);
        }
        assertEquals(2, driver.usedIndex(0), "both flushes completed");
        h.memory().write(HEADER + 16, header(0, 3), 0, 16);
        driver.submit(0, List.of(new Buffer(HEADER + 16, 16, false), new Buffer(DATA, 512, true),
                new Buffer(STATUS + 1, 1, true)));
        if (acknowledge) {
            driver.readIsr();
        }
        return d;
    }

    private static byte[] header(int type, long sector) {
        byte[] b = new byte[16];
        b[0] = (byte) type;
        for (int i = 0; i < 8; i++) {
            b[8 + i] = (byte) (sector >>> (8 * i));
        }
        return b;
    }

    @SuppressWarnings("unchecked")
    private static <S extends Record> void check(StateSection<S> s, Supplier<StateSection<?>> fresh) {
        GOLDEN.check(s, () -> (StateSection<S>) fresh.get());
    }

    private static StateSection<?> section(Device d, String name) {
        return d.sections().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void pciFunctionWithBarsProgrammedAndDecodingEnabled() {
        check(section(blkWithARequestInFlight(true), "pci-function"), () -> section(blk(), "pci-function"));
    }

    @Test
    void virtioPciWithQueueSetUpAndARequestNotYetNotified() {
        check(section(blkWithARequestInFlight(false), "virtio-pci"), () -> section(blk(), "virtio-pci"));
    }

    /** A virtio 1.0 block device with MSI-X, as {@code msix=true} makes it; memory BARs placed when {@code h} is given. */
    private Device msixBlk(DeviceHarness h) {
        Path disk = dir.resolve("msix.img");
        try {
            if (!Files.exists(disk)) {
                Files.write(disk, new byte[64 * 512]);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Device d = VirtioRig.add(h, "vblk0", new VirtioBlkProvider(), Map.of("path", disk.toString(), "msix", "true"));
        started.add(d);
        return d;
    }

    /**
     * The transport with its {@code msix} subsection: MSI-X enabled, vector 0 programmed for
     * configuration changes, the queue on vector 1, which is masked with a flush's completion
     * pending in it.
     */
    @Test
    void virtioPciWithMsixVectorsAndAPendingMessage() {
        DeviceHarness h = VirtioRig.machine();
        Device d = msixBlk(h);
        var cfg = LegacyVirtioDriver.ConfigAccess.mechanism1(h.ports());
        long bar1 = 0xfebe_0000L;
        long bar4 = Integer.toUnsignedLong(VirtioRig.MEMORY_BASE);
        long common = bar4 + ModernRegisters.COMMON;
        cfg.write(1, 0x14, 4, (int) bar1);
        cfg.write(1, 0x20, 4, VirtioRig.MEMORY_BASE);
        cfg.write(1, 0x04, 2, 0x6);
        h.mmio().write(bar1, 4, 0xfee0_0000L);
        h.mmio().write(bar1 + 8, 4, 0x41);
        h.mmio().write(bar1 + 12, 4, 0);
        h.mmio().write(bar1 + 16, 4, 0xfee0_1000L);
        h.mmio().write(bar1 + 24, 4, 0x51);
        int at = 0x40 + 68; // after the four virtio 1.0 capabilities
        assertEquals(0x11, cfg.read(1, at, 1), "the MSI-X capability");
        cfg.write(1, at + 2, 2, 0x8000);
        h.mmio().write(common + 0x14, 1, 3);
        h.mmio().write(common + 0x08, 4, 1);
        h.mmio().write(common + 0x0c, 4, 1);
        h.mmio().write(common + 0x14, 1, 0xb);
        h.mmio().write(common + 0x10, 2, 0);
        h.mmio().write(common + 0x16, 2, 0);
        h.mmio().write(common + 0x18, 2, 16);
        h.mmio().write(common + 0x20, 8, RINGS);
        h.mmio().write(common + 0x28, 8, RINGS + 0x1000);
        h.mmio().write(common + 0x30, 8, RINGS + 0x2000);
        h.mmio().write(common + 0x1a, 2, 1);
        h.mmio().write(common + 0x1c, 2, 1);
        h.mmio().write(common + 0x14, 1, 0xf);
        h.memory().write(HEADER, header(4, 0), 0, 16);
        h.memory().writeU64(RINGS, HEADER);
        h.memory().writeU32(RINGS + 8, 16);
        h.memory().writeU16(RINGS + 12, 1);
        h.memory().writeU16(RINGS + 14, 1);
        h.memory().writeU64(RINGS + 16, STATUS);
        h.memory().writeU32(RINGS + 24, 1);
        h.memory().writeU16(RINGS + 28, 2);
        h.memory().writeU16(RINGS + 0x1000 + 4, 0);
        h.memory().writeU16(RINGS + 0x1000 + 2, 1);
        h.mmio().write(bar4 + ModernRegisters.NOTIFY, 2, 0);
        assertEquals(1, h.memory().readU16(RINGS + 0x2000 + 2), "the flush completed");
        assertEquals(2, h.mmio().read(bar1 + 0x800, 8), "its message waits in vector 1's pending bit");
        check(section(d, "virtio-pci"), () -> section(msixBlk(VirtioRig.machine()), "virtio-pci"));
    }

    private Device net() {
        Device d = VirtioRig.add(VirtioRig.machine(), "vnet0", new VirtioNetProvider(),
                Map.of("backend", "hub", "hub", "golden-hub"));
        started.add(d);
        return d;
    }

    @Test
    void virtioNetWithFramesWaitingForReceiveBuffers() {
        StateSection<?> s = section(net(), "virtio-net");
        byte[] arp = new byte[42];
        for (int i = 0; i < arp.length; i++) {
            arp[i] = (byte) (i < 6 ? 0xff : i * 3);
        }
        VirtioNetState state = new VirtioNetState(
                List.of(new VirtioNetState.Frame(arp), new VirtioNetState.Frame(new byte[] {1, 2, 3, 4, 5, 6, 7})),
                17, 23, 2, 1);
        load(s, state);
        check(s, () -> section(net(), "virtio-net"));
    }

    private static <S extends Record> void load(StateSection<S> s, Record state) {
        S typed = s.stateType().cast(state);
        assertEquals(java.util.Optional.empty(), s.validate(typed));
        s.load(typed);
    }
}
