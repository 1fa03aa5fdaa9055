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
