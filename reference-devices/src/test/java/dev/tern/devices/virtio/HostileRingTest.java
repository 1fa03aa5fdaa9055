package dev.tern.devices.virtio;

import dev.tern.devices.virtio.LegacyVirtioDriver.Buffer;
import dev.tern.devices.virtio.blk.VirtioBlkProvider;
import dev.tern.spi.device.Device;
import dev.tern.testkit.DeviceHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rings a hostile or broken driver builds: each must put the device into NEEDS_RESET (or be
 * ignored), never throw into the vCPU, and never write guest memory or the disk.
 */
class HostileRingTest {

    private static final long RAM = 4L << 20;
    private static final long RINGS = 0x100000;
    private static final long HEADER = 0x200000;
    private static final long STATUS = 0x201000;

    private DeviceHarness h;
    private Device device;
    private LegacyVirtioDriver driver;
    private Path file;

    @BeforeEach
    void machine() throws IOException {
        file = Files.createTempFile("tern-hostile", ".img");
        file.toFile().deleteOnExit();
        Files.write(file, new byte[64 * 512]);
        var host = new dev.tern.devices.pci.PciHostProvider();
        h = DeviceHarness.of(host, Map.of(), RAM);
        h.start(host);
        device = VirtioRig.add(h, "vblk0", new VirtioBlkProvider(), Map.of("path", file.toString()));
        driver = new LegacyVirtioDriver(LegacyVirtioDriver.ConfigAccess.mechanism1(h.ports()), 1, h.ports(),
                h.memory(), VirtioRig.IO_BASE);
        driver.initialize(-1L, RINGS, 1);
        byte[] header = new byte[16];
        header[0] = 1; // OUT, so a wrongly accepted request would change the disk
        h.memory().write(HEADER, header, 0, 16);
    }

    @AfterEach
    void off() {
        device.powerOff();
    }

    private byte[] ram() {
        byte[] all = new byte[(int) RAM];
        h.memory().read(0, all, 0, all.length);
        return all;
    }

    /** Kicks the queue and checks the device refused the ring without touching RAM or the disk. */
    private void assertRefused(String what) throws IOException {
        byte[] before = ram();
        byte[] disk = Files.readAllBytes(file);
        driver.notify(0);
        assertTrue((driver.status() & LegacyVirtioDriver.NEEDS_RESET) != 0, what + ": NEEDS_RESET expected");
        assertArrayEquals(before, ram(), what + ": guest memory changed");
        assertArrayEquals(disk, Files.readAllBytes(file), what + ": disk changed");
        assertTrue(!((VirtioPciDevice) device).lastFault().isEmpty(), what + ": the fault is recorded");
        assertEquals(2, driver.readIsr() & 2, "configuration-change interrupt announces the fault");
        driver.notify(0);
        assertArrayEquals(before, ram(), what + ": a device needing reset must ignore kicks");
    }

    private void descriptor(int i, long addr, long len, int flags, int next) {
        long at = RINGS + 16L * i;
        h.memory().writeU64(at, addr);
        h.memory().writeU32(at + 8, (int) len);
        h.memory().writeU16(at + 12, flags);
        h.memory().writeU16(at + 14, next);
    }

    private void makeAvailable(int head) {
        h.memory().writeU16(driver.avail(0) + 4, head);
        h.memory().writeU16(driver.avail(0) + 2, 1);
    }

    @Test
    void descriptorLoop() throws IOException {
        descriptor(0, HEADER, 16, 1, 1);
        descriptor(1, HEADER, 16, 1, 0);
        makeAvailable(0);
        assertRefused("loop");
    }

    @Test
    void bufferOutsideRam() throws IOException {
        descriptor(0, HEADER, 16, 1, 1);
        descriptor(1, 0x7fff_ffff_f000L, 512, 1, 2);
        descriptor(2, STATUS, 1, 2, 0);
        makeAvailable(0);
        assertRefused("out-of-RAM buffer");
    }

    @Test
    void bufferAtNegativeAddress() throws IOException {
        descriptor(0, -16L, 16, 2, 0);
        makeAvailable(0);
        assertRefused("address wraps");
    }

    @Test
    void hugeLengthRunningPastRam() throws IOException {
        descriptor(0, HEADER, 16, 1, 1);
        descriptor(1, 0x1000, 0xffff_ffffL, 2, 0);
        makeAvailable(0);
        assertRefused("huge length");
    }

    @Test
    void availIndexFarAhead() throws IOException {
        h.memory().writeU16(driver.avail(0) + 2, 1000);
        assertRefused("avail idx");
    }

    @Test
    void headOutsideTable() throws IOException {
        makeAvailable(999);
        assertRefused("head");
    }

    @Test
    void nextOutsideTable() throws IOException {
        descriptor(0, HEADER, 16, 1, 4000);
        makeAvailable(0);
        assertRefused("next");
    }

    @Test
    void indirectDescriptorsWereNotNegotiated() throws IOException {
        descriptor(0, HEADER, 16, 4, 0);
        makeAvailable(0);
        assertRefused("indirect");
    }

    @Test
    void readableAfterWritable() throws IOException {
        descriptor(0, STATUS, 1, 3, 1);
        descriptor(1, HEADER, 16, 0, 0);
        makeAvailable(0);
        assertRefused("order");
    }

    @Test
    void ringsPlacedPastTheEndOfRam() throws IOException {
        h.ports().write(VirtioRig.IO_BASE + 0x0e, 2, 0);
        h.ports().write(VirtioRig.IO_BASE + 0x08, 4, (int) ((RAM >>> 12) - 1)); // table fits, used ring does not
        assertRefused("rings past RAM");
    }

    @Test
    void requestWithoutStatusByteIsAFault() throws IOException {
        descriptor(0, HEADER, 16, 0, 0);
        makeAvailable(0);
        assertRefused("no status byte");
    }

    @Test
    void resetRecoversFromNeedsReset() throws IOException {
        makeAvailable(999);
        driver.notify(0);
        assertTrue((driver.status() & LegacyVirtioDriver.NEEDS_RESET) != 0);
        driver.initialize(-1L, RINGS, 1);
        assertEquals(0, driver.status() & LegacyVirtioDriver.NEEDS_RESET);
        h.memory().writeU8(STATUS, 0xee);
        h.memory().writeU32(HEADER, 4); // FLUSH
        driver.submit(0, List.of(new Buffer(HEADER, 16, false), new Buffer(STATUS, 1, true)));
        driver.notify(0);
        assertEquals(0, h.memory().readU8(STATUS));
    }

    @Test
    void seededRandomRingContentsNeverThrowNorWriteOutsideTheirBuffers() throws IOException {
        Random rnd = new Random(0xbadd15c);
        long diskSize = Files.size(file);
        for (int round = 0; round < 100; round++) {
            driver.initialize(-1L, RINGS, 1);
            byte[] junk = new byte[16 * 256 + 6 + 512];
            rnd.nextBytes(junk);
            // Descriptors point into a small window so some chains are valid; the rest is junk.
            for (int i = 0; i < 256; i++) {
                long addr = rnd.nextInt(4) == 0 ? rnd.nextLong() : 0x200000 + rnd.nextInt(0x2000);
                int len = rnd.nextInt(4) == 0 ? rnd.nextInt() : rnd.nextInt(64);
                ByteArrays.putLong(junk, 16 * i, addr);
                ByteArrays.putInt(junk, 16 * i + 8, len);
                junk[16 * i + 12] &= (byte) (rnd.nextInt(8) == 0 ? 7 : 3);
                junk[16 * i + 13] = 0;
            }
            h.memory().write(RINGS, junk, 0, junk.length);
            byte[] before = ram();
            driver.notify(0);
            byte[] after = ram();
            for (int a = 0; a < after.length; a++) {
                boolean inWindow = a >= 0x200000 && a < 0x202000 + 64;
                boolean inUsedRing = a >= driver.used(0) && a < driver.used(0) + 6 + 8 * 256;
                if (!inWindow && !inUsedRing && before[a] != after[a]) {
                    throw new AssertionError("round " + round + ": byte 0x" + Integer.toHexString(a) + " changed");
                }
            }
        }
        assertEquals(diskSize, Files.size(file), "disk never grows");
    }

    /** Little-endian stores into a byte array. */
    private static final class ByteArrays {
        static void putInt(byte[] b, int at, int v) {
            for (int i = 0; i < 4; i++) {
                b[at + i] = (byte) (v >>> (8 * i));
            }
        }

        static void putLong(byte[] b, int at, long v) {
            for (int i = 0; i < 8; i++) {
                b[at + i] = (byte) (v >>> (8 * i));
            }
        }
    }
}
