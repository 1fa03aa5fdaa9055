package dev.tern.kernel.state;

import dev.tern.kernel.ram.RamReceiver;
import dev.tern.kernel.ram.RamRecord;
import dev.tern.kernel.ram.RamSender;

import dev.tern.kernel.memory.GuestRam;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RamStreamSnapshotTest {

    private static final int PAGE = 4096;

    private static GuestRam ram(int pages) {
        return GuestRam.builder().ram("ram", 0, (long) pages * PAGE).rom("bios", 0x100000, new byte[] {(byte) 0x90})
                .build();
    }

    private static byte[] save(GuestRam ram, long partBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SavedStateWriter w = new SavedStateWriter(out, ConfigHeader.of("pc", ram));
        w.writeLive(RamSender.of(ram), partBytes);
        w.finish();
        return out.toByteArray();
    }

    @Test
    void roundTripSkipsZeroPagesEntirely() throws IOException {
        try (GuestRam src = ram(64); GuestRam dst = ram(64)) {
            byte[] page = new byte[PAGE];
            new Random(1).nextBytes(page);
            for (int p : new int[] {3, 10, 63}) {
                src.write((long) p * PAGE, page, 0, PAGE);
            }
            src.writeU8(5L * PAGE + 17, 1);
            byte[] stream = save(src, 1 << 20);

            int json = jsonLength(stream);
            int start = 1 + 4 + 4 + 2 + 4 + 4 + (8 + 4 + (2 + 3 + 8 + 8) + 8) + 4;
            int part = 1 + 4 + 4 + (4 * (8 + PAGE) + 8) + 4;
            int end = 1 + 4 + 4 + 8 + 4;
            int config = 1 + 4 + (3 + 4 + 4 + 1 + 2 * 21 + 1) + 4;
            assertEquals(12 + config + start + part + end + 9 + 4 + json + 4 + 16, stream.length,
                    "4 non-zero pages of 64, nothing else");

            dst.writeU32(0, 0xFFFFFFFF);
            new SnapshotLoader(ConfigHeader.of("pc", dst)).live(RamReceiver.of(dst)).load(StateSource.of(stream));
            byte[] a = new byte[64 * PAGE];
            byte[] b = new byte[64 * PAGE];
            src.read(0, a, 0, a.length);
            dst.read(0, b, 0, b.length);
            assertArrayEquals(a, b);
            assertEquals(0x90, dst.readU8(0x100000), "ROM comes from the configuration, not the stream");
        }
    }

    @Test
    void smallPartsSplitThePassIntoManyFrames() throws IOException {
        try (GuestRam src = ram(16); GuestRam dst = ram(16)) {
            for (int p = 0; p < 16; p++) {
                src.writeU64((long) p * PAGE, p + 1);
            }
            byte[] stream = save(src, 2 * PAGE);
            Map<String, Object> t = SavedStateAnalyzerTest.trailer(stream);
            Map<?, ?> ram = (Map<?, ?>) ((List<?>) t.get("sections")).getFirst();
            assertEquals(1L + 8 + 1, ram.get("parts"), "START, 8 PARTs of 2 pages, END");
            new SnapshotLoader(ConfigHeader.of("pc", dst)).live(RamReceiver.of(dst)).load(StateSource.of(stream));
            for (int p = 0; p < 16; p++) {
                assertEquals(p + 1, dst.readU64((long) p * PAGE));
            }
        }
    }

    @Test
    void zeroRecordsClearPagesAndPendingBytesShrink() throws IOException {
        try (GuestRam dst = ram(4)) {
            RamSender sender = RamSender.of(dst);
            assertEquals(0, sender.pendingBytes(), "no pass before setup");
            for (int p = 0; p < 3; p++) {
                dst.writeU8((long) p * PAGE, 1); // the first pass covers only pages ever written
            }
            sender.setup(new DataOutputStream(new ByteArrayOutputStream()));
            assertEquals(3L * (8 + PAGE), sender.pendingBytes());
            RamReceiver s = RamReceiver.of(dst);
            dst.writeU32(2L * PAGE, 7);
            ByteArrayOutputStream part = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(part);
            out.writeLong(2L * PAGE | RamRecord.ZERO);
            out.writeLong(RamRecord.END_OF_PART);
            s.receive(new DataInputStream(new java.io.ByteArrayInputStream(part.toByteArray())));
            assertEquals(0, dst.readU32(2L * PAGE));
        }
    }

    @Test
    void pagesOutsideWritableRamAndForeignLayoutsAreRefused() throws IOException {
        try (GuestRam dst = ram(4); GuestRam bigger = ram(8)) {
            RamReceiver s = RamReceiver.of(dst);
            for (long addr : new long[] {4L * PAGE, 0x100000, -PAGE}) {
                ByteArrayOutputStream part = new ByteArrayOutputStream();
                DataOutputStream out = new DataOutputStream(part);
                out.writeLong(addr | RamRecord.NORMAL);
                out.write(new byte[PAGE]);
                out.writeLong(RamRecord.END_OF_PART);
                IOException e = assertThrows(IOException.class,
                        () -> s.check(new DataInputStream(new java.io.ByteArrayInputStream(part.toByteArray()))));
                assertTrue(e.getMessage().contains("outside this machine's writable RAM"), e.getMessage());
            }
            ByteArrayOutputStream setup = new ByteArrayOutputStream();
            RamSender.of(bigger).setup(new DataOutputStream(setup));
            IOException e = assertThrows(IOException.class,
                    () -> s.check(new DataInputStream(new java.io.ByteArrayInputStream(setup.toByteArray()))));
            assertTrue(e.getMessage().contains("does not match"), e.getMessage());
            ByteArrayOutputStream bad = new ByteArrayOutputStream();
            new DataOutputStream(bad).writeLong(PAGE | 0x3);
            assertThrows(IOException.class,
                    () -> s.check(new DataInputStream(new java.io.ByteArrayInputStream(bad.toByteArray()))));
        }
    }

    static int jsonLength(byte[] s) {
        int off = 0;
        for (int i = 4; i < 8; i++) {
            off = off << 8 | (s[s.length - 16 + i] & 0xFF);
        }
        int len = 0;
        for (int i = 0; i < 4; i++) {
            len = len << 8 | (s[off + i] & 0xFF);
        }
        return len;
    }
}
