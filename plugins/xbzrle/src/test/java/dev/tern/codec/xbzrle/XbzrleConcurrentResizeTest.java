package dev.tern.codec.xbzrle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.spi.codec.CodecException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A monitor thread resizing the cache and reading stats while the migration thread encodes. */
class XbzrleConcurrentResizeTest {

    private static final int PAGE = 4096;
    private static final int PAGES = 48;

    @Test
    void resizesDuringEncodingNeverCorruptTheReceiver() throws Exception {
        XbzrleEncoder encoder = new XbzrleEncoder(64 * PAGE);
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> monitorFailure = new AtomicReference<>();
        Thread monitor = new Thread(() -> {
            try {
                started.await();
                long[] sizes = {PAGE, 8 * PAGE, 3 * PAGE, 64 * PAGE, 16 * PAGE};
                for (int i = 0; !done.get(); i++) {
                    encoder.resizeCache(sizes[i % sizes.length]);
                    Map<String, Long> stats = encoder.stats();
                    assertTrue(stats.get("pages") >= 0 && stats.get("cache-size") >= PAGE);
                }
            } catch (Throwable t) {
                monitorFailure.set(t);
            }
        });
        monitor.start();
        byte[][] ram = new byte[PAGES][PAGE];
        byte[][] receiver = new byte[PAGES][PAGE];
        SplittableRandom random = new SplittableRandom(9);
        XbzrleDecoder decoder = new XbzrleDecoder();
        ByteBuffer out = ByteBuffer.allocate(PAGE);
        started.countDown();
        try {
            for (int step = 0; step < 20000; step++) {
                int p = step % PAGES;
                for (int e = random.nextInt(6); e > 0; e--) {
                    ram[p][random.nextInt(PAGE)] = (byte) random.nextInt(256);
                }
                send(encoder, decoder, (long) p * PAGE, ram[p], receiver[p], out);
                assertArrayEquals(ram[p], receiver[p], "page " + p + " at step " + step);
            }
        } finally {
            done.set(true);
            monitor.join();
        }
        assertEquals(null, monitorFailure.get());
        assertTrue(encoder.stats().get("pages") > 0, "some pages must have hit the cache between resizes");
    }

    private static void send(XbzrleEncoder encoder, XbzrleDecoder decoder, long gpa, byte[] page, byte[] receiver,
            ByteBuffer out) throws CodecException {
        out.clear();
        int n = encoder.encode(gpa, MemorySegment.ofArray(page), out);
        if (n < 0) {
            MemorySegment sent = encoder.rawPage().orElse(MemorySegment.ofArray(page));
            MemorySegment.copy(sent, ValueLayout.JAVA_BYTE, 0, receiver, 0, PAGE);
        } else if (n > 0) {
            decoder.decode(gpa, out.flip(), MemorySegment.ofArray(receiver));
        }
    }
}
