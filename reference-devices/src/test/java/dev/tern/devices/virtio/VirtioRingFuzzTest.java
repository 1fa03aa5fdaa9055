package dev.tern.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tern.devices.virtio.LegacyVirtioDriver.Buffer;
import dev.tern.devices.virtio.blk.VirtioBlkProvider;
import dev.tern.spi.device.Device;
import dev.tern.testkit.DeviceHarness;
import dev.tern.testkit.fuzz.HostileInput;
import dev.tern.testkit.fuzz.SeedCorpus;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A virtio-blk queue whose rings and buffers the fuzzer writes into guest RAM, then kicks, as a
 * driver would (legacy PCI interface, the PCI host and the device on a {@link DeviceHarness}):
 * the input's first bytes are the descriptor table and the available ring, the rest is the
 * buffer window at {@link #WINDOW} that well-formed descriptors point into.
 *
 * <ul>
 *   <li>the kick (an I/O port write, the vCPU's path) throws nothing: the requests are served, or
 *       the device enters NEEDS_RESET with its fault recorded, naming the virtqueue or request;</li>
 *   <li>the device writes guest RAM only inside the used ring and the buffers the descriptor table
 *       marks device-writable (wherever in RAM the fuzzer put them); the disk never grows;</li>
 *   <li>a device needing reset ignores the next kick (RAM and disk unchanged).</li>
 * </ul>
 * Loops, out-of-range addresses and huge lengths are the fuzzer's to build; the queue's size
 * bounds the work of one kick, so no input hangs. Seeds: requests the driver submits (read, write,
 * flush, get-id, two chains in one kick), taken as the RAM image they leave.
 */
class VirtioRingFuzzTest {

    private static final long RAM = 4L << 20;
    private static final long RINGS = 0x100000;
    private static final long WINDOW = 0x200000;
    private static final int WINDOW_SIZE = 0x2000;
    private static final Pattern FAULT = Pattern.compile("^(virtqueue \\d+|virtio-blk request \\d+): \\S|^virtio-blk request \\d+ ");
    /** Serving a queue of 256 requests of at most a few pages each, whatever the ring says. */
    private static final long ALLOCATION = 8 << 20;
    private static final int DESC_F_WRITE = 2;

    private static DeviceHarness h;
    private static Device device;
    private static LegacyVirtioDriver driver;
    private static Path disk;

    /** The device entered NEEDS_RESET: its recorded fault. */
    private static final class Refused extends Exception {
        Refused(String fault) {
            super(fault, null, false, false);
        }
    }

    @AfterAll
    static void off() throws IOException {
        if (device != null) {
            device.powerOff();
            Files.deleteIfExists(disk);
        }
    }

    private static void open() throws IOException {
        if (h != null) {
            return;
        }
        disk = Files.createTempFile("tern-ring-fuzz", ".img");
        Files.write(disk, new byte[64 * 512]);
        var host = new dev.tern.devices.pci.PciHostProvider();
        h = DeviceHarness.of(host, Map.of(), RAM);
        h.start(host);
        device = VirtioRig.add(h, "vblk0", new VirtioBlkProvider(), Map.of("path", disk.toString()));
        driver = new LegacyVirtioDriver(LegacyVirtioDriver.ConfigAccess.mechanism1(h.ports()), 1, h.ports(),
                h.memory(), VirtioRig.IO_BASE);
        driver.initialize(-1L, RINGS, 1);
    }

    /** The descriptor table and the available ring (flags, idx, ring[size]). */
    private static int ringBytes() {
        return (int) (driver.used(0) - RINGS);
    }

    private static int queueSize() {
        return (int) ((driver.avail(0) - RINGS) / 16);
    }

    @Test
    void seedsAreDriverRequests() throws IOException {
        open();
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("read", request(() -> List.of(header(0, 3), new Buffer(WINDOW + 0x1000, 512, true), status())));
        seeds.put("write", request(() -> List.of(header(1, 5), new Buffer(WINDOW + 0x1000, 512, false), status())));
        seeds.put("flush", request(() -> List.of(header(4, 0), status())));
        seeds.put("get-id", request(() -> List.of(header(8, 0), new Buffer(WINDOW + 0x1000, 20, true), status())));
        seeds.put("read-past-the-disk", request(() -> List.of(header(0, 64), new Buffer(WINDOW + 0x1000, 512, true), status())));
        fresh();
        driver.submit(0, List.of(header(0, 0), new Buffer(WINDOW + 0x1000, 1024, true), status()));
        driver.submit(0, List.of(header(4, 0), new Buffer(WINDOW + 0x20, 1, true)));
        seeds.put("two-chains", image());
        SeedCorpus.check(VirtioRingFuzzTest.class, "kick", seeds);
    }

    private static Buffer header(int type, long sector) {
        long at = WINDOW + 0x10L * (type + 1);
        h.memory().writeU32(at, type);
        h.memory().writeU32(at + 4, 0);
        h.memory().writeU64(at + 8, sector);
        return new Buffer(at, 16, false);
    }

    private static Buffer status() {
        return new Buffer(WINDOW + 0x800, 1, true);
    }

    private static byte[] request(Supplier<List<Buffer>> chain) {
        fresh();
        driver.submit(0, chain.get());
        return image();
    }

    /** Reset rings and a clear window, so a seed does not depend on what ran before. */
    private static void fresh() {
        driver.initialize(-1L, RINGS, 1);
        h.memory().write(WINDOW, new byte[WINDOW_SIZE], 0, WINDOW_SIZE);
    }

    /** What the fuzzer controls: the rings, then the window. */
    private static byte[] image() {
        byte[] image = new byte[ringBytes() + WINDOW_SIZE];
        h.memory().read(RINGS, image, 0, ringBytes());
        h.memory().read(WINDOW, image, ringBytes(), WINDOW_SIZE);
        return image;
    }

    @FuzzTest
    void kick(byte[] input) throws IOException {
        open();
        driver.initialize(-1L, RINGS, 1);
        int rings = Math.min(input.length, ringBytes());
        h.memory().write(RINGS, input, 0, rings);
        h.memory().write(WINDOW, Arrays.copyOfRange(input, rings, rings + WINDOW_SIZE), 0, WINDOW_SIZE);
        long diskSize = Files.size(disk);
        byte[] before = ram();
        // a repeat of the kick (HostileInput's, over the bound) finds the queue served or the device still needing reset
        Optional<Refused> refused = HostileInput.parse(Refused.class, FAULT, ALLOCATION, () -> {
            driver.notify(0);
            if ((driver.status() & LegacyVirtioDriver.NEEDS_RESET) != 0) {
                throw new Refused(((VirtioPciDevice) device).lastFault());
            }
        });
        byte[] after = ram();
        long used = driver.used(0);
        String then = refused.map(r -> " (then refused: " + r.getMessage() + ")").orElse("");
        List<long[]> allowed = writableBuffers(before);
        allowed.addAll(writableBuffers(after));
        allowed.add(new long[] {used, used + 6 + 8L * queueSize()});
        onlyWritten(before, after, allowed, then);
        assertEquals(diskSize, Files.size(disk), "the disk never grows");
        if (refused.isPresent()) {
            assertFalse(refused.get().getMessage().isBlank());
            byte[] image = Files.readAllBytes(disk);
            driver.notify(0);
            assertArrayEquals(after, ram(), "a device needing reset ignores kicks");
            assertArrayEquals(image, Files.readAllBytes(disk), "a device needing reset ignores kicks");
        }
    }

    /**
     * The [start, end) ranges of guest RAM that descriptors of the table in {@code ram} mark
     * device-writable. Indirect tables are not negotiated, so a device may write nowhere else but
     * the used ring. Both the table before and after the kick count: a served request may have
     * rewritten the table itself, and later chains then read the new descriptors.
     */
    private static List<long[]> writableBuffers(byte[] ram) {
        var ranges = new ArrayList<long[]>();
        ByteBuffer table = ByteBuffer.wrap(ram).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < queueSize(); i++) {
            int at = (int) RINGS + 16 * i;
            long address = table.getLong(at);
            long length = table.getInt(at + 8) & 0xffffffffL;
            if ((table.getShort(at + 12) & DESC_F_WRITE) != 0 && Long.compareUnsigned(address, RAM) < 0) {
                ranges.add(new long[] {address, Math.min(RAM, address + length)});
            }
        }
        return ranges;
    }

    /**
     * Every byte of guest RAM that differs lies in one of {@code allowed}'s ranges (Arrays.mismatch:
     * the fuzzer instruments a plain loop, 4 M times slower).
     */
    private static void onlyWritten(byte[] before, byte[] after, List<long[]> allowed, String then) {
        int from = 0;
        while (from < RAM) {
            int m = Arrays.mismatch(before, from, (int) RAM, after, from, (int) RAM);
            if (m < 0) {
                return;
            }
            long at = from + m;
            long end = -1;
            for (long[] r : allowed) {
                if (r[0] <= at && at < r[1]) {
                    end = Math.max(end, r[1]);
                }
            }
            if (end < 0) {
                throw new AssertionError("the device wrote guest RAM at 0x" + Long.toHexString(at)
                        + ", outside the used ring and every device-writable buffer" + then);
            }
            from = (int) end;
        }
    }

    /** All of guest RAM, copied in bulk from its one region (the harness's byte-wise read is slow under the fuzzer). */
    private static byte[] ram() {
        return h.memory().regions().getFirst().segment().toArray(ValueLayout.JAVA_BYTE);
    }
}
