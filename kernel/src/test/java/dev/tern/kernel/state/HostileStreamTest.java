package dev.tern.kernel.state;

import dev.tern.kernel.memory.GuestRam;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Truncation, bit flips, garbage and random input: only ever a SavedStateException, nothing applied. */
class HostileStreamTest {

    private static GuestRam src;
    private static GuestRam dst;
    private static byte[] stream;

    @BeforeAll
    static void build() throws IOException {
        src = Samples.smallRam();
        dst = Samples.smallRam();
        stream = Samples.smallStream(src);
        dst.writeU32(0, 0x5EED5EED);
    }

    @AfterAll
    static void close() {
        src.close();
        dst.close();
    }

    /** Loads {@code bytes} into fresh targets over {@link #dst}; returns the exception or null. */
    private static Throwable tryLoad(byte[] bytes, List<TestSection<?>> targets) {
        return tryLoad(bytes, targets, dst);
    }

    private static Throwable tryLoad(byte[] bytes, List<TestSection<?>> targets, GuestRam into) {
        TestSection<Samples.Uart> uart = Samples.uart(new Samples.Uart((byte) 0, (byte) 0, (byte) 0, 0));
        uart.subsections.add(new TestSection.Sub<>("fifo", Samples.Fifo.class, null));
        TestSection<Samples.Clock> clock = Samples.clock(new Samples.Clock(0, List.of()));
        targets.add(uart);
        targets.add(clock);
        try {
            Samples.loaderFor(into, uart, clock).load(StateSource.of(bytes));
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    private static Throwable tryWalk(byte[] bytes) {
        try {
            SavedStateAnalyzer.walk(new ByteArrayInputStream(bytes));
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    private static void assertRefusedUntouched(byte[] bytes, String what) {
        List<TestSection<?>> targets = new java.util.ArrayList<>();
        Throwable load = tryLoad(bytes, targets);
        if (!(load instanceof SavedStateException)) {
            fail(what + ": loader gave " + load, load);
        }
        Throwable walk = tryWalk(bytes);
        if (!(walk instanceof SavedStateException)) {
            fail(what + ": walk gave " + walk, walk);
        }
        for (TestSection<?> t : targets) {
            assertTrue(t.loaded.isEmpty(), what + ": " + t.name() + " was loaded");
        }
        assertEquals(0x5EED5EED, dst.readU32(0), what + ": RAM was changed");
    }

    @Test
    void theIntactStreamLoads() {
        assertEquals(null, tryWalk(stream));
        assertTrue(stream.length > 4096, "the stream carries a RAM page");
    }

    @Test
    void truncationAtEveryOffsetIsRefused() {
        for (int cut = 0; cut < stream.length; cut++) {
            assertRefusedUntouched(Arrays.copyOf(stream, cut), "cut at " + cut);
        }
    }

    @Test
    void everySingleBitFlipIsDetected() {
        for (int i = 0; i < stream.length; i++) {
            for (int mask : new int[] {0x01, 0x80}) {
                byte[] b = stream.clone();
                b[i] ^= (byte) mask;
                assertRefusedUntouched(b, "flip 0x" + Integer.toHexString(mask) + " at " + i);
            }
        }
    }

    @Test
    void trailingGarbageIsRefused() {
        byte[] b = Arrays.copyOf(stream, stream.length + 1);
        SavedStateException e = assertThrows(SavedStateException.class,
                () -> SavedStateAnalyzer.walk(new ByteArrayInputStream(b)));
        assertEquals("trailing garbage after the footer (at byte " + stream.length + ")", e.getMessage());
    }

    @Test
    void oversizedPayloadLengthIsRefusedBeforeReading() throws IOException {
        byte[] valid = SnapshotLoaderTest.stream();
        byte[] frame = java.util.HexFormat.of().parseHex("05" + "00000001" + "0178" + "0130" + "00000001" + "7fff0000");
        byte[] b = Arrays.copyOf(valid, 33 + frame.length);
        System.arraycopy(frame, 0, b, 33, frame.length);
        SavedStateException e = assertThrows(SavedStateException.class,
                () -> SavedStateAnalyzer.walk(new ByteArrayInputStream(b)));
        assertEquals("section 'x' instance 0: FULL payload length 2147418112 exceeds the limit of 67108864 (at byte 46)",
                e.getMessage());
    }

    @Test
    void randomInputOnlyEverFailsCleanlyAndCheaply() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Random rnd = new Random(0x7E57);
        long worst = 0;
        for (int n = 0; n < 10_000; n++) {
            byte[] input = fuzzInput(rnd, n % 3);
            long before = mx.getCurrentThreadAllocatedBytes();
            List<TestSection<?>> targets = new java.util.ArrayList<>();
            Throwable load = tryLoad(input, targets);
            Throwable walk = tryWalk(input);
            long used = mx.getCurrentThreadAllocatedBytes() - before;
            worst = Math.max(worst, used);
            boolean intact = Arrays.equals(input, stream);
            for (Throwable t : new Throwable[] {load, walk}) {
                if (t != null && !(t instanceof SavedStateException)) {
                    fail("input " + n + " gave " + t, t);
                }
                if (t == null && !intact) {
                    fail("input " + n + " was accepted although it differs from every valid stream");
                }
            }
            assertTrue(used < (16 << 20), "input " + n + " allocated " + used + " bytes");
        }
        assertTrue(worst > 0);
    }

    /**
     * Mutates frame payloads and re-computes their CRCs, so the decoders themselves (schemas,
     * values, RAM records) see hostile bytes that pass the integrity check.
     */
    @Test
    void hostilePayloadsWithValidCrcsFailCleanly() throws IOException {
        List<Frame> frames = new java.util.ArrayList<>();
        SavedStateReader r = new SavedStateReader(new ByteArrayInputStream(stream));
        for (Frame f = r.next(); !(f instanceof Frame.Eof); f = r.next()) {
            frames.add(f);
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Random rnd = new Random(0xC0DEC);
        int refused = 0;
        try (GuestRam scratch = Samples.smallRam()) {
            for (int n = 0; n < 6000; n++) {
                Frame f = frames.get(n % frames.size());
                long offset = f.offset();
                long payloadAt = f instanceof Frame.Open o ? o.payloadOffset() : ((Frame.Part) f).payloadOffset();
                int len = f instanceof Frame.Open o ? o.payload().length : ((Frame.Part) f).payload().length;
                if (len == 0) {
                    continue;
                }
                byte[] b = stream.clone();
                int edits = 1 + rnd.nextInt(3);
                for (int i = 0; i < edits; i++) {
                    int at = (int) payloadAt + (rnd.nextBoolean() ? rnd.nextInt(Math.min(len, 64)) : rnd.nextInt(len));
                    b[at] = (byte) (rnd.nextInt(3) == 0 ? 0xFF : rnd.nextInt(256));
                }
                java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
                crc.update(b, (int) offset, (int) (payloadAt + len - offset));
                int c = (int) crc.getValue();
                for (int i = 0; i < 4; i++) {
                    b[(int) payloadAt + len + i] = (byte) (c >>> (24 - 8 * i));
                }
                long before = mx.getCurrentThreadAllocatedBytes();
                Throwable load = tryLoad(b, new java.util.ArrayList<>(), scratch);
                Throwable walk = tryWalk(b);
                long used = mx.getCurrentThreadAllocatedBytes() - before;
                for (Throwable t : new Throwable[] {load, walk}) {
                    if (t != null && !(t instanceof SavedStateException)) {
                        fail("payload mutation " + n + " gave " + t, t);
                    }
                }
                refused += load == null ? 0 : 1;
                assertTrue(used < (16 << 20), "mutation " + n + " allocated " + used + " bytes");
            }
        }
        assertTrue(refused > 1000, "most mutations are refused: " + refused);
    }

    private static byte[] fuzzInput(Random rnd, int kind) {
        return switch (kind) {
            case 0 -> {
                byte[] b = new byte[rnd.nextInt(600)];
                rnd.nextBytes(b);
                yield b;
            }
            case 1 -> {
                byte[] b = new byte[12 + rnd.nextInt(600)];
                rnd.nextBytes(b);
                System.arraycopy(stream, 0, b, 0, 12);
                yield b;
            }
            default -> {
                byte[] b = stream.clone();
                int edits = 1 + rnd.nextInt(8);
                for (int i = 0; i < edits; i++) {
                    b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                }
                if (rnd.nextInt(4) == 0) {
                    b = Arrays.copyOf(b, rnd.nextInt(b.length + 64));
                }
                yield b;
            }
        };
    }
}
