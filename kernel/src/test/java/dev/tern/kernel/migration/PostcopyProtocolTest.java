package dev.tern.kernel.migration;

import dev.tern.kernel.memory.GuestMemoryLostException;
import dev.tern.kernel.memory.GuestRam;
import dev.tern.kernel.ram.PageSet;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Post-copy's messages between a {@link PostcopySource} and a {@link PostcopyIncoming} over real pipes. */
class PostcopyProtocolTest {

    private static final int PAGE = 4096;
    private static final int PAGES = 256;

    @Test
    void everyMissingPageArrivesWhileTheGuestReadsThem() throws Exception {
        try (GuestRam source = GuestRam.builder().ram("ram", 0, (long) PAGES * PAGE).build();
                GuestRam dest = GuestRam.builder().ram("ram", 0, (long) PAGES * PAGE).build()) {
            Random random = new Random(16);
            byte[] page = new byte[PAGE];
            PageSet missing = new PageSet(PAGES);
            for (int p = 0; p < PAGES; p++) {
                if (p % 5 != 0) {
                    random.nextBytes(page); // every fifth page stays zero: sent as 8 bytes
                    source.write((long) p * PAGE, page, 0, PAGE);
                }
                if (p % 3 != 0) {
                    missing.addRange(p, p + 1);
                    dest.write((long) p * PAGE, new byte[] {1, 2, 3}, 0, 3); // a stale copy to be replaced
                } else {
                    source.read((long) p * PAGE, page, 0, PAGE);
                    dest.write((long) p * PAGE, page, 0, PAGE);
                }
            }
            var ends = LoopbackConnection.pair();
            var out = new WireOutput(ends[0]);
            var pcSource = new PostcopySource(source, PAGES, out, ends[0]);
            pcSource.collect(missing);
            pcSource.announce();
            var in = new WireInput(ends[1]);
            var incoming = new PostcopyIncoming(dest);
            WireInput.Control runs = in.nextControl();
            assertEquals(WireMessage.POSTCOPY, runs.kind());
            incoming.acceptRuns(runs.payload(), runs.at());
            assertEquals(missing.count(), incoming.announcedPages());
            incoming.expect();
            incoming.start(ends[1], in);
            var sourceFailure = new AtomicReference<Throwable>();
            Thread sender = Thread.ofPlatform().start(() -> {
                try {
                    pcSource.run();
                } catch (Throwable t) {
                    sourceFailure.set(t);
                }
            });
            // Three "vCPUs" read the pages from the top down, where the background sender comes last.
            List<Thread> readers = new ArrayList<>();
            var wrong = new AtomicReference<String>();
            for (int t = 0; t < 3; t++) {
                int first = PAGES - 1 - t;
                readers.add(Thread.ofPlatform().start(() -> {
                    byte[] want = new byte[PAGE];
                    byte[] got = new byte[PAGE];
                    for (int p = first; p >= 0; p -= 3) {
                        source.read((long) p * PAGE, want, 0, PAGE);
                        dest.read((long) p * PAGE, got, 0, PAGE);
                        if (!java.util.Arrays.equals(want, got)) {
                            wrong.set("page " + p);
                        }
                    }
                }));
            }
            for (Thread r : readers) {
                r.join();
            }
            incoming.completion().join();
            sender.join();
            assertEquals(null, sourceFailure.get());
            assertEquals(null, wrong.get());
            assertEquals(0, incoming.missingPages());
            assertEquals(null, dest.presence(), "a complete post-copy leaves no page check behind");
            PostcopyStats stats = pcSource.stats();
            assertEquals(missing.count(), stats.missingPages());
            assertEquals(0, stats.remainingPages());
            assertEquals(missing.count(), stats.requestedPages() + stats.backgroundPages());
            // A reader may fault on the last page just as it arrives: its request can follow the
            // destination's POSTCOPY_DONE on the wire, after which the source reads no more. At most
            // one such request per reader.
            assertTrue(stats.requests() <= incoming.requests() && stats.requests() >= incoming.requests() - readers.size(),
                    "requests sent " + incoming.requests() + ", received " + stats.requests());
            byte[] a = new byte[PAGES * PAGE];
            byte[] b = new byte[PAGES * PAGE];
            source.read(0, a, 0, a.length);
            dest.read(0, b, 0, b.length);
            assertArrayEquals(a, b);
        }
    }

    /**
     * With a max-bandwidth the background pages keep to it — the whole push takes at least its
     * bytes over the rate — while a page the guest asks for goes at once, ahead of the paced ones.
     */
    @Test
    void backgroundPagesKeepToTheBandwidthLimitAndAskedForPagesDoNot() throws Exception {
        long rate = 512 << 10; // 256 pages of 4 KiB: about two seconds
        try (GuestRam source = GuestRam.builder().ram("ram", 0, (long) PAGES * PAGE).build();
                GuestRam dest = GuestRam.builder().ram("ram", 0, (long) PAGES * PAGE).build()) {
            Random random = new Random(5);
            byte[] page = new byte[PAGE];
            for (int p = 0; p < PAGES; p++) {
                random.nextBytes(page); // no zero page: every one is 4117 bytes on the wire
                source.write((long) p * PAGE, page, 0, PAGE);
            }
            PageSet missing = new PageSet(PAGES);
            missing.addRange(0, PAGES);
            var ends = LoopbackConnection.pair();
            var pcSource = new PostcopySource(source, PAGES, new WireOutput(ends[0]), ends[0]);
            pcSource.collect(missing);
            pcSource.announce();
            var in = new WireInput(ends[1]);
            var incoming = new PostcopyIncoming(dest);
            WireInput.Control runs = in.nextControl();
            incoming.acceptRuns(runs.payload(), runs.at());
            incoming.expect();
            incoming.start(ends[1], in);
            byte[] last = new byte[PAGE];
            Thread guest = Thread.ofPlatform().start(() -> dest.read((long) (PAGES - 1) * PAGE, last, 0, PAGE));
            while (incoming.requests() == 0) {
                Thread.onSpinWait(); // the request is on the wire before the source starts
            }
            pcSource.setMaxBandwidth(rate);
            long t0 = System.nanoTime();
            pcSource.run();
            long elapsed = System.nanoTime() - t0;
            guest.join();
            incoming.completion().join();
            PostcopyStats stats = pcSource.stats();
            assertEquals(1, stats.requestedPages(), "the asked-for page went ahead of the paced ones");
            assertEquals(PAGES - 1, stats.backgroundPages());
            long paced = (PAGES - 2) * (5L + 8 + PAGE); // the first background page goes at once
            assertTrue(elapsed >= paced * 1_000_000_000L / rate, "the background pages took " + elapsed / 1_000_000
                    + " ms for " + paced + " bytes at " + rate + " bytes/s");
            byte[] want = new byte[PAGE];
            source.read((long) (PAGES - 1) * PAGE, want, 0, PAGE);
            assertArrayEquals(want, last);
        }
    }

    /**
     * Recovery: the connection cut while pages are still on their way pauses both sides — a page
     * the guest asks for meanwhile waits, nothing is lost — and a new connection resumes it: the
     * destination lists what it lacks, the source sends exactly that, the waiting request is asked
     * again, and RAM ends equal to the source's. A second cut, during the recovery itself, recovers too.
     */
    @Test
    void aCutConnectionPausesBothSidesAndANewOneResumes() throws Exception {
        try (GuestRam source = GuestRam.builder().ram("ram", 0, (long) PAGES * PAGE).build();
                GuestRam dest = GuestRam.builder().ram("ram", 0, (long) PAGES * PAGE).build()) {
            Random random = new Random(7);
            byte[] page = new byte[PAGE];
            for (int p = 0; p < PAGES; p++) {
                random.nextBytes(page);
                source.write((long) p * PAGE, page, 0, PAGE);
            }
            PageSet missing = new PageSet(PAGES);
            missing.addRange(0, PAGES);
            var first = LoopbackConnection.pair();
            var pcSource = new PostcopySource(source, PAGES, new WireOutput(first[0]), first[0]);
            var sourcePaused = new java.util.concurrent.LinkedBlockingQueue<String>();
            var destPaused = new java.util.concurrent.LinkedBlockingQueue<String>();
            pcSource.allowRecovery(sourcePaused::add, () -> { });
            pcSource.collect(missing);
            pcSource.announce();
            var in = new WireInput(first[1]);
            var incoming = new PostcopyIncoming(dest);
            incoming.allowRecovery(destPaused::add);
            WireInput.Control runs = in.nextControl();
            incoming.acceptRuns(runs.payload(), runs.at());
            incoming.expect();
            incoming.start(first[1], in);
            pcSource.setMaxBandwidth(256 << 10); // about four seconds for every page: the cut comes first
            var sourceFailure = new AtomicReference<Throwable>();
            Thread sender = Thread.ofPlatform().start(() -> {
                try {
                    pcSource.run();
                } catch (Throwable t) {
                    sourceFailure.set(t);
                }
            });
            byte[] got = new byte[PAGE];
            dest.read((long) (PAGES - 1) * PAGE, got, 0, PAGE); // asked for and received on the first link
            first[0].close();
            assertTrue(sourcePaused.take().length() > 0);
            assertTrue(destPaused.take().contains("paused"));
            long lacking = incoming.missingPages();
            assertTrue(lacking > 0 && lacking < PAGES, lacking + " pages lacking");
            byte[] waited = new byte[PAGE];
            Thread guest = Thread.ofPlatform().start(() -> dest.read((long) (PAGES - 2) * PAGE, waited, 0, PAGE));
            while (incoming.requests() < 2) {
                Thread.onSpinWait(); // the guest now waits for a page nobody can send yet
            }

            // A recovery cut before the destination answers: the source pauses again.
            var broken = LoopbackConnection.pair();
            pcSource.resume(broken[0]);
            broken[1].close();
            assertTrue(sourcePaused.take().contains("resuming on"));

            pcSource.setMaxBandwidth(0);
            var second = LoopbackConnection.pair();
            pcSource.resume(second[0]);
            incoming.resume(second[1]);
            guest.join();
            incoming.completion().join();
            sender.join();
            assertEquals(null, sourceFailure.get());
            assertEquals(0, incoming.missingPages());
            byte[] a = new byte[PAGES * PAGE];
            byte[] b = new byte[PAGES * PAGE];
            source.read(0, a, 0, a.length);
            dest.read(0, b, 0, b.length);
            assertArrayEquals(a, b);
            assertTrue(sourcePaused.isEmpty() && destPaused.isEmpty(), sourcePaused + " " + destPaused);
        }
    }

    /**
     * A resuming destination that names a page this post-copy never announced is another
     * migration's, as is a malformed list: the source tells it why (REFUSED) and stays paused.
     */
    @Test
    void aResumingPeerNamingOtherPagesIsRefused() throws Exception {
        try (GuestRam source = GuestRam.builder().ram("ram", 0, (long) PAGES * PAGE).build()) {
            PageSet missing = new PageSet(PAGES);
            missing.addRange(10, 20);
            var first = LoopbackConnection.pair();
            var pcSource = new PostcopySource(source, PAGES, new WireOutput(first[0]), first[0]);
            var paused = new java.util.concurrent.LinkedBlockingQueue<String>();
            pcSource.allowRecovery(paused::add, () -> { });
            pcSource.collect(missing);
            pcSource.announce();
            Thread sender = Thread.ofPlatform().start(() -> {
                try {
                    pcSource.run();
                } catch (Exception ignored) {
                    // ended by the interrupt below
                }
            });
            first[1].close();
            paused.take();
            for (byte[] runs : List.of(runs(5, 2), runs(12, 3, 11, 1), runs(0, 0), new byte[7])) {
                var ends = LoopbackConnection.pair();
                pcSource.resume(ends[0]);
                var in = new WireInput(ends[1]);
                assertEquals(WireMessage.POSTCOPY_RESUME, in.nextControl().kind());
                new WireOutput(ends[1]).control(WireMessage.POSTCOPY_MISSING, runs, runs.length);
                var told = assertThrows(IOException.class, () -> in.expect(WireMessage.POSTCOPY_RESUMED));
                assertTrue(told.getMessage().contains("POSTCOPY_MISSING at byte"), told.getMessage());
                String why = paused.take();
                assertTrue(why.contains("POSTCOPY_MISSING at byte"), why);
            }
            sender.interrupt();
            sender.join();
        }
    }

    /**
     * A paused destination resumes only on POSTCOPY_RESUME: any other first message is refused
     * naming it, the connection is closed, and post-copy stays paused for the next attempt.
     */
    @Test
    void aPausedDestinationRefusesAnythingButAResume() throws Exception {
        try (GuestRam dest = GuestRam.builder().ram("ram", 0, 16L * PAGE).build()) {
            var incoming = new PostcopyIncoming(dest);
            incoming.acceptRuns(runs(2, 3), 0);
            incoming.expect();
            var paused = new java.util.concurrent.LinkedBlockingQueue<String>();
            incoming.allowRecovery(paused::add);
            var first = LoopbackConnection.pair();
            incoming.start(first[1], new WireInput(first[1]));
            first[0].close();
            paused.take();
            assertTrue(incoming.isPaused());
            for (WireMessage wrong : List.of(WireMessage.PAGE, WireMessage.POSTCOPY_END, WireMessage.COMMIT)) {
                var ends = LoopbackConnection.pair();
                new WireOutput(ends[0]).control(wrong, new byte[8], 8);
                var e = assertThrows(IOException.class, () -> incoming.resume(ends[1]));
                assertTrue(e.getMessage().contains("expected POSTCOPY_RESUME") && e.getMessage().contains(wrong.name()),
                        e.getMessage());
                assertTrue(incoming.isPaused(), "still paused after " + wrong);
            }
            var ends = LoopbackConnection.pair();
            new WireOutput(ends[0]).control(WireMessage.REFUSED, "no");
            assertThrows(IOException.class, () -> incoming.resume(ends[1]));
            assertTrue(incoming.isPaused());
            assertEquals(3, incoming.missingPages());
        }
    }

    @Test
    void hostileRunsAreRefusedNamingTheRun() throws Exception {
        try (GuestRam dest = GuestRam.builder().ram("ram", 0, 16L * PAGE).rom("rom", 32L * PAGE, new byte[PAGE]).build()) {
            assertRunsRefused(dest, runs(3, 2, 1, 1), "ascending");
            assertRunsRefused(dest, runs(3, 0), "non-empty");
            assertRunsRefused(dest, runs(15, 2), "not all in one writable RAM region");
            assertRunsRefused(dest, runs(32, 1), "not all in one writable RAM region");
            assertRunsRefused(dest, runs(Long.MAX_VALUE, 1), "within the 33 pages");
            assertRunsRefused(dest, runs(-1, 1), "within the 33 pages");
            assertRunsRefused(dest, new byte[13], "not a whole number of 12-byte runs");
        }
    }

    private static void assertRunsRefused(GuestRam dest, byte[] payload, String expected) {
        var e = assertThrows(IOException.class, () -> new PostcopyIncoming(dest).acceptRuns(payload, 77));
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains("at byte 77"), e.getMessage());
    }

    private static byte[] runs(long... firstAndCount) {
        ByteBuffer b = ByteBuffer.allocate(firstAndCount.length / 2 * 12);
        for (int i = 0; i < firstAndCount.length; i += 2) {
            b.putLong(firstAndCount[i]).putInt((int) firstAndCount[i + 1]);
        }
        return b.array();
    }

    @Test
    void aHostilePageLosesTheGuestWithTheReason() throws Exception {
        assertLost(out -> out.control(WireMessage.PAGE, page(99), 8), "page 99, outside the 16 pages");
        assertLost(out -> out.control(WireMessage.PAGE, page(2), 100), "has 100 bytes");
        assertLost(out -> out.control(WireMessage.POSTCOPY_END, new byte[0], 0), "2 pages still missing");
        assertLost(out -> out.control(WireMessage.COMMIT, ""), "unexpected COMMIT");
        assertLost(out -> out.write(new byte[10]), "DATA at byte 0 outside a saved-state stream");
    }

    /** The source vanishing mid-way is the same loss, and a vCPU waiting for a page hears why. */
    @Test
    void theSourceGoneLosesTheGuestAndFailsTheWaiters() throws Exception {
        try (GuestRam dest = GuestRam.builder().ram("ram", 0, 16L * PAGE).build()) {
            var ends = LoopbackConnection.pair();
            var incoming = new PostcopyIncoming(dest);
            incoming.acceptRuns(runs(4, 2), 0);
            incoming.expect();
            incoming.start(ends[1], new WireInput(ends[1]));
            var vcpuFailure = new AtomicReference<Throwable>();
            Thread vcpu = Thread.ofPlatform().start(() -> {
                try {
                    dest.readU32(5L * PAGE);
                } catch (Throwable t) {
                    vcpuFailure.set(t);
                }
            });
            // The request reaching the source proves the vCPU waits; then the source dies.
            var sourceIn = new WireInput(ends[0]);
            WireInput.Control request = sourceIn.nextControl();
            assertEquals(WireMessage.PAGE_REQUEST, request.kind());
            assertEquals(5, ByteBuffer.wrap(request.payload()).getLong());
            ends[0].close();
            vcpu.join();
            var lost = assertThrows(CompletionException.class, () -> incoming.completion().join());
            assertTrue(lost.getCause() instanceof GuestMemoryLostException);
            assertTrue(lost.getCause().getMessage().contains("2 pages of the guest's RAM still only on the source"),
                    lost.getCause().getMessage());
            assertTrue(vcpuFailure.get() instanceof GuestMemoryLostException, String.valueOf(vcpuFailure.get()));
        }
    }

    private interface Send {
        void to(WireOutput out) throws IOException;
    }

    private static void assertLost(Send hostile, String expected) throws Exception {
        try (GuestRam dest = GuestRam.builder().ram("ram", 0, 16L * PAGE).build()) {
            var ends = LoopbackConnection.pair();
            var incoming = new PostcopyIncoming(dest);
            incoming.acceptRuns(runs(2, 2), 0);
            incoming.expect();
            incoming.start(ends[1], new WireInput(ends[1]));
            var out = new WireOutput(ends[0]);
            hostile.to(out);
            out.flush();
            var lost = assertThrows(CompletionException.class, () -> incoming.completion().join());
            assertTrue(lost.getCause().getMessage().contains(expected), lost.getCause().getMessage());
            assertThrows(GuestMemoryLostException.class, () -> dest.readU8(2L * PAGE));
            ends[0].close();
        }
    }

    private static byte[] page(long pfn) {
        byte[] b = new byte[8 + PAGE];
        ByteBuffer.wrap(b).putLong(pfn);
        return b;
    }
}
