package dev.tern.kernel.memory;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirtyLogTest {

    private static final int PAGES = 4096;
    private static final int WRITERS = 4;

    @Test
    void concurrentMarksAreNeverLostAcrossSyncs() throws Exception {
        try (GuestRam ram = GuestRam.builder().ram("ram", 0, (long) PAGES * 4096).build()) {
            DirtyLog log = ram.dirtyLog();
            log.enable();
            BitSet[] written = new BitSet[WRITERS];
            CyclicBarrier start = new CyclicBarrier(WRITERS + 1);
            CountDownLatch writersDone = new CountDownLatch(WRITERS);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int id = w;
                written[w] = new BitSet(PAGES);
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        writePages(ram, log, id, written[id]);
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    } finally {
                        writersDone.countDown();
                    }
                }));
            }
            BitSet reported = new BitSet(PAGES);
            AtomicBoolean syncing = new AtomicBoolean(true);
            int[] syncs = {0};
            Thread harvester = Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    while (writersDone.getCount() > 0) {
                        log.syncAndClear().forEach(pfn -> reported.set((int) pfn));
                        syncs[0]++;
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    syncing.set(false);
                }
            });
            for (Thread t : threads) {
                t.join();
            }
            harvester.join();
            log.syncAndClear().forEach(pfn -> reported.set((int) pfn));
            assertEquals(null, failure.get());
            assertFalse(syncing.get());
            BitSet all = new BitSet(PAGES);
            for (BitSet b : written) {
                all.or(b);
            }
            assertTrue(all.cardinality() > PAGES / 2, "writers covered most pages");
            BitSet missing = (BitSet) all.clone();
            missing.andNot(reported);
            assertTrue(missing.isEmpty(), "pages written but never reported: " + missing);
            assertTrue(syncs[0] > 0);
        }
    }

    /** Writer {@code id} owns pages {@code pfn % WRITERS == id}, alternating the two marking paths. */
    private static void writePages(GuestRam ram, DirtyLog log, int id, BitSet written) {
        byte[] data = {1, 2, 3, 4};
        for (int round = 0; round < 20; round++) {
            for (int pfn = id; pfn < PAGES; pfn += WRITERS) {
                if ((pfn + round) % 3 == 0) {
                    continue;
                }
                if (((pfn / WRITERS) & 1) == 0) {
                    ram.write((long) pfn * 4096 + 100, data, 0, data.length);
                } else {
                    log.markPage(pfn);
                }
                written.set(pfn);
            }
        }
    }

    @Test
    void disabledLogIgnoresMarksAndEnableStartsFresh() {
        DirtyLog log = new DirtyLog(16 * 4096);
        log.markPage(3);
        log.mark(0, 4096);
        assertEquals(0, log.syncAndClear().count());
        log.enable();
        assertTrue(log.isEnabled());
        log.markPage(3);
        log.disable();
        log.enable();
        assertEquals(0, log.syncAndClear().count(), "enable() clears what an earlier period left");
    }

    @Test
    void markCoversEveryTouchedPageAndSyncClears() {
        DirtyLog log = new DirtyLog(130 * 4096);
        log.enable();
        log.mark(4095, 2);           // pages 0 and 1
        log.mark(64 * 4096, 1);      // page 64, second word
        log.mark(129 * 4096 + 5, 1 << 20); // clipped at the end
        DirtyPages pages = log.syncAndClear();
        List<Long> seen = new ArrayList<>();
        pages.forEach(seen::add);
        assertEquals(List.of(0L, 1L, 64L, 129L), seen);
        assertEquals(4, pages.count());
        assertEquals(130, pages.pageCount());
        assertTrue(pages.isDirty(64));
        assertFalse(pages.isDirty(2));
        assertFalse(pages.isDirty(-1));
        assertFalse(pages.isDirty(1000));
        assertEquals(0, log.syncAndClear().count());
    }

    @Test
    void markAllSetsExactlyTheCoveredPages() {
        DirtyLog log = new DirtyLog(70 * 4096 + 1);
        log.enable();
        log.markAll();
        DirtyPages pages = log.syncAndClear();
        assertEquals(71, pages.count());
        assertEquals(71, pages.pageCount());
    }

    @Test
    void badMarksAreRejectedWithTheirAddress() {
        DirtyLog log = new DirtyLog(4 * 4096);
        log.enable();
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> log.markPage(4));
        assertTrue(e.getMessage().contains("0x4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> log.mark(0, -1));
        assertThrows(IllegalArgumentException.class, () -> log.mark(Long.MAX_VALUE - 2, 10));
        log.mark(1L << 40, 4096); // beyond RAM: nothing to track
        assertEquals(0, log.syncAndClear().count());
    }

    @Test
    void aTrackerGetsEveryMarkWhetherTheLogIsEnabledOrClaimedAndNoneOnceClosed() {
        var log = new DirtyLog(64 * 4096);
        DirtyTracker tracker = log.track("a fingerprint");
        log.mark(0x1000, 1);
        log.claim("a migration");
        log.markPage(5);
        assertEquals(1, log.syncAndClear().count(), "the owner sees only the marks since its claim");
        var seen = tracker.syncAndClear();
        assertEquals(2, seen.count());
        assertTrue(seen.isDirty(1) && seen.isDirty(5));
        tracker.close();
        log.mark(0x3000, 1);
        assertEquals(0, tracker.syncAndClear().count());
        assertEquals(1, log.syncAndClear().count());
    }

    @Test
    void aClaimTakesTheLogFromAYieldingHolderOnceItHasReleased() throws Exception {
        DirtyLog log = new DirtyLog(16 * 4096);
        var wanted = new CountDownLatch(1);
        log.claimYielding("a warm-up", wanted::countDown);
        // the holder lets go on its own thread, as the warm-up does, only once asked
        Thread holder = Thread.ofPlatform().start(() -> {
            try {
                wanted.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.mark(0x1000, 1); // written while still held: dropped by the next claim's fresh period
            log.release("a warm-up");
        });
        log.claim("a migration");
        holder.join();
        assertTrue(log.isEnabled());
        assertEquals(0, log.syncAndClear().count(), "the new holder starts with a clean log");
        log.mark(0x2000, 1);
        assertEquals(1, log.syncAndClear().count());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> log.claim("a checkpoint"));
        assertTrue(e.getMessage().contains("a migration"), e.getMessage());
        log.release("a warm-up"); // not the holder any more: nothing happens
        assertTrue(log.isEnabled());
        log.release("a migration");
        assertFalse(log.isEnabled());
    }

    @Test
    void aYieldingClaimNeverTakesTheLogFromAHolderThatDoesNotYield() {
        DirtyLog log = new DirtyLog(16 * 4096);
        log.claim("a migration");
        var asked = new AtomicBoolean();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> log.claimYielding("a warm-up", () -> asked.set(true)));
        assertTrue(e.getMessage().contains("in use by a migration"), e.getMessage());
        assertFalse(asked.get());
        assertTrue(log.isEnabled());
    }
}
