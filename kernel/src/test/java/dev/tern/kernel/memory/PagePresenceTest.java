package dev.tern.kernel.memory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PagePresenceTest {

    private static final int PAGE = 4096;

    @Test
    void presentPagesNeverAskAndMissingOnesAskOnce() throws Exception {
        try (GuestRam ram = GuestRam.builder().ram("ram", 0, 16 * PAGE).build()) {
            PagePresence p = new PagePresence(16);
            BlockingQueue<Long> asked = new LinkedBlockingQueue<>();
            p.requestWith(asked::add);
            p.markMissing(3, 2);
            p.seal();
            ram.expectPages(p);
            ram.writeU32(0, 7); // page 0 is present: no request
            assertTrue(asked.isEmpty());

            // A reader of page 4 blocks until the receiver installs it; its request names page 4.
            var value = new AtomicReference<Integer>();
            Thread reader = Thread.ofPlatform().start(() -> value.set(ram.readU32(4 * PAGE + 8)));
            assertEquals(4L, asked.take());
            MemorySegment page = Arena.ofAuto().allocate(PAGE);
            page.set(ValueLayout.JAVA_INT_UNALIGNED, 8, 0x1234);
            assertTrue(ram.installPage(4, page));
            reader.join();
            assertEquals(0x1234, value.get());
            assertFalse(ram.installPage(4, null), "a page already here is never overwritten");
            assertEquals(0x1234, ram.readU32(4 * PAGE + 8));
            assertFalse(p.completion().isDone());
            assertTrue(ram.installPage(3, null));
            assertTrue(p.completion().isDone());
            assertEquals(1, p.requests());
            assertTrue(asked.isEmpty());
        }
    }

    @Test
    void aPageOutsideWritableRamIsRefused() {
        try (GuestRam ram = GuestRam.builder().ram("ram", 0, 4 * PAGE).rom("rom", 8 * PAGE, new byte[PAGE]).build()) {
            ram.expectPages(new PagePresence(9));
            assertThrows(IllegalArgumentException.class, () -> ram.installPage(4, null));
            assertThrows(IllegalArgumentException.class, () -> ram.installPage(8, null));
            assertThrows(IllegalArgumentException.class, () -> ram.installPage(-1, null));
            assertThrows(IllegalArgumentException.class, () -> ram.installPage(Long.MAX_VALUE, null));
        }
    }

    @Test
    void losingThePagesFailsWaitersNowAndLater() throws Exception {
        try (GuestRam ram = GuestRam.builder().ram("ram", 0, 4 * PAGE).build()) {
            PagePresence p = new PagePresence(4);
            CountDownLatch asked = new CountDownLatch(1);
            p.requestWith(pfn -> asked.countDown());
            p.markMissing(1, 1);
            ram.expectPages(p);
            var failure = new AtomicReference<Throwable>();
            Thread dma = Thread.ofPlatform().start(() -> {
                try {
                    ram.write(PAGE - 2, new byte[4], 0, 4); // spans pages 0 and 1
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            asked.await();
            p.lose("the source closed the connection");
            dma.join();
            assertTrue(failure.get() instanceof GuestMemoryLostException, String.valueOf(failure.get()));
            assertTrue(failure.get().getMessage().contains("the source closed the connection"));
            var later = assertThrows(GuestMemoryLostException.class, () -> ram.readU8(PAGE));
            assertEquals(1, later.pfn());
            assertEquals(0, ram.readU8(0), "present pages stay readable");
        }
    }

    /**
     * A request that cannot be written (the connection broke) leaves the verdict to the thread that
     * reads the connection for a moment: the guest is lost for that reader's reason, not for the
     * write's error; and a page that still arrives then is installed and read, nothing lost.
     */
    @Test
    void aFailedRequestWaitsForTheReadersVerdict() throws Exception {
        try (GuestRam ram = GuestRam.builder().ram("ram", 0, 4 * PAGE).build()) {
            PagePresence p = new PagePresence(4);
            BlockingQueue<Long> asked = new LinkedBlockingQueue<>();
            p.requestWith(pfn -> {
                asked.add(pfn);
                throw new java.io.UncheckedIOException(new java.io.IOException("Broken pipe"));
            });
            p.markMissing(1, 2);
            ram.expectPages(p);
            var value = new AtomicReference<Integer>();
            Thread arrives = Thread.ofPlatform().start(() -> value.set(ram.readU32(PAGE)));
            assertEquals(1L, asked.take());
            MemorySegment page = Arena.ofAuto().allocate(PAGE);
            page.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 0x55);
            assertTrue(ram.installPage(1, page)); // the last page before the source closed
            arrives.join();
            assertEquals(0x55, value.get());
            assertEquals(null, p.lostReason());

            var failure = new AtomicReference<Throwable>();
            Thread lost = Thread.ofPlatform().start(() -> {
                try {
                    ram.readU32(2 * PAGE);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            assertEquals(2L, asked.take());
            p.lose("the source aborted: killed");
            lost.join();
            assertTrue(failure.get() instanceof GuestMemoryLostException, String.valueOf(failure.get()));
            assertTrue(failure.get().getMessage().contains("the source aborted: killed"), failure.get().getMessage());
            assertEquals("the source aborted: killed", p.lostReason());
        }
    }

    /**
     * Many threads touch every missing page in different orders while one receiver installs them
     * in yet another order as they are asked for (and the rest unasked): every thread sees each
     * page's content, each page is asked for at most once, and no wait is lost.
     */
    @Test
    void concurrentAccessorsAndInstallerAgree() throws Exception {
        final int pages = 512;
        final int threads = 6;
        try (GuestRam ram = GuestRam.builder().ram("ram", 0, (long) pages * PAGE).build()) {
            PagePresence p = new PagePresence(pages);
            BlockingQueue<Long> asked = new LinkedBlockingQueue<>();
            var askedOnce = ConcurrentHashMap.<Long>newKeySet();
            var twice = new AtomicReference<Long>();
            p.requestWith(pfn -> {
                if (!askedOnce.add(pfn)) {
                    twice.set(pfn);
                }
                asked.add(pfn);
            });
            p.markMissing(0, pages);
            p.seal();
            ram.expectPages(p);
            MemorySegment page = Arena.ofAuto().allocate(PAGE);
            Thread receiver = Thread.ofPlatform().start(() -> {
                long background = pages - 1;
                try {
                    while (p.missingCount() > 0) {
                        Long want = asked.poll();
                        long pfn = want != null ? want : background--;
                        if (pfn < 0) {
                            pfn = asked.take();
                        }
                        page.set(ValueLayout.JAVA_INT_UNALIGNED, 0, (int) pfn * 31 + 1);
                        ram.installPage(pfn, page);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            List<Thread> readers = new ArrayList<>();
            var wrong = new AtomicReference<String>();
            for (int t = 0; t < threads; t++) {
                int stride = 2 * t + 1; // odd strides visit every page of a power-of-two range
                int start = t * 37;
                readers.add(Thread.ofPlatform().start(() -> {
                    for (int k = 0; k < pages; k++) {
                        int pfn = (start + k * stride) % pages;
                        int v = ram.readU32((long) pfn * PAGE);
                        if (v != pfn * 31 + 1) {
                            wrong.set("page " + pfn + " read " + v);
                        }
                    }
                }));
            }
            for (Thread r : readers) {
                r.join();
            }
            receiver.join();
            assertEquals(null, wrong.get());
            assertEquals(null, twice.get(), "a page was asked for twice");
            assertEquals(0, p.missingCount());
            assertTrue(p.completion().isDone());
            assertEquals(askedOnce.size(), p.requests());
        }
    }
}
