package dev.tern.kernel.migration;

import dev.tern.kernel.ram.PageSet;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.transport.Connection;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The source's half of post-copy (docs/protocols/migration.md, "Post-copy"): at the switch-over it
 * collects the pages the destination does not have — those the interrupted round had not sent and
 * those written since — and announces them ({@link WireMessage#POSTCOPY}); after the commit it
 * sends them ({@link WireMessage#PAGE}), each page the destination asks for
 * ({@link WireMessage#PAGE_REQUEST}, read on a thread of its own) before the next one in address
 * order, until all are sent and the destination says it has them ({@link WireMessage#POSTCOPY_DONE}).
 *
 * <p>The guest is paused here for good, so a page read now is the guest's last word on it.
 */
final class PostcopySource {

    private static final int PAGE = GuestMemory.PAGE_SIZE;
    /** Runs per {@link WireMessage#POSTCOPY} message (12 bytes each, well within a message). */
    private static final int RUNS_PER_MESSAGE = 64 << 10;
    /** The destination acknowledges every this many page messages ({@link WireMessage#RECEIVED}). */
    static final int ACK_EVERY = 8;
    /**
     * Unasked pages sent beyond the destination's last acknowledgement, at most: 128 KiB, a tenth
     * of a millisecond of loopback, is all an asked-for page may queue behind.
     */
    private static final long WINDOW = 32;

    private final GuestMemory memory;
    private final long pageCount;
    private final WireOutput wire;
    private final Connection connection;
    private final BitSet unsent = new BitSet();
    private final LinkedBlockingQueue<Long> requested = new LinkedBlockingQueue<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong requestedSent = new AtomicLong();
    private final AtomicLong backgroundSent = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private volatile long missingPages;
    /** Page messages sent, and acknowledged by the destination; guarded by {@link #signal}. */
    private long sentMessages;
    private long ackedMessages;
    /** Wakes the sender: a request, an acknowledgement or the end came in. */
    private final Object signal = new Object();
    private volatile long medianRequestNanos;
    /** The migration's max-bandwidth for the background pages, bytes per second (0: none). */
    private volatile long maxBandwidth;
    /** The rate the background pages are paced at, since when, and their bytes since; sender thread only. */
    private long pacedRate;
    private long paceStart;
    private long pacedBytes;

    PostcopySource(GuestMemory memory, long pageCount, WireOutput wire, Connection connection) {
        this.memory = memory;
        this.pageCount = pageCount;
        this.wire = wire;
        this.connection = connection;
    }

    /**
     * Limits the background pages to {@code bytesPerSecond} (0: none), from now on; asked-for pages
     * are never held back — the guest waits for them.
     */
    void setMaxBandwidth(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("max-bandwidth must be >= 0, was " + bytesPerSecond);
        }
        maxBandwidth = bytesPerSecond;
        wake();
    }

    /** Adds {@code pages} to the pages the destination lacks; before {@link #announce}. */
    void collect(PageSet pages) {
        for (long p = pages.next(0); p >= 0; p = pages.next(p + 1)) {
            unsent.set(Math.toIntExact(p));
        }
    }

    /** Sends the missing set as runs; always at least one message, which tells the destination post-copy is on. */
    void announce() throws IOException {
        missingPages = unsent.cardinality();
        ByteBuffer runs = ByteBuffer.allocate(RUNS_PER_MESSAGE * 12);
        for (int p = unsent.nextSetBit(0); p >= 0; ) {
            int end = unsent.nextClearBit(p);
            runs.putLong(p).putInt(end - p);
            if (!runs.hasRemaining()) {
                wire.control(WireMessage.POSTCOPY, runs.array(), runs.position());
                runs.clear();
            }
            p = end >= pageCount ? -1 : unsent.nextSetBit(end);
        }
        if (runs.position() > 0 || missingPages == 0) {
            wire.control(WireMessage.POSTCOPY, runs.array(), runs.position());
        }
    }

    /**
     * Sends every missing page, asked-for ones first, then waits for the destination's
     * {@link WireMessage#POSTCOPY_DONE}.
     *
     * @throws IOException when the connection fails or the destination refuses: the guest is lost
     */
    void run() throws IOException, InterruptedException {
        var in = new WireInput(connection);
        Thread reader = Thread.ofPlatform().name("tern-postcopy-requests").daemon().start(() -> readRequests(in));
        try {
            byte[] page = new byte[8 + PAGE];
            int cursor = unsent.nextSetBit(0);
            while (true) {
                Long want = requested.poll();
                if (done.isDone() || want == null && cursor < 0) {
                    break; // all sent, or failed (or, wrongly, done early): the end below says which
                }
                if (want == null && !awaitWindow()) {
                    continue; // woken by a request (or the end): serve it first
                }
                long pfn = want != null ? want : cursor;
                if (unsent.get((int) pfn)) {
                    unsent.clear((int) pfn);
                    synchronized (signal) {
                        sentMessages++; // before the write: its acknowledgement may beat the write's return
                    }
                    int sent = send(page, pfn);
                    if (want == null) {
                        pacedBytes += sent;
                    }
                    (want != null ? requestedSent : backgroundSent).incrementAndGet();
                }
                if (want == null) {
                    cursor = unsent.nextSetBit(cursor);
                }
            }
            if (!done.isDone()) {
                wire.control(WireMessage.POSTCOPY_END, new byte[0], 0);
            }
            done.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause().getMessage(), e.getCause());
        } finally {
            connection.close();
            reader.join();
        }
    }

    /** Sends one page; returns its bytes on the wire. */
    private int send(byte[] page, long pfn) throws IOException {
        long gpa = pfn * PAGE;
        memory.read(gpa, page, 8, PAGE);
        ByteBuffer.wrap(page).putLong(0, pfn);
        boolean zero = java.util.Arrays.mismatch(page, 8, 8 + PAGE, ZEROS, 0, PAGE) < 0;
        wire.control(WireMessage.PAGE, page, zero ? 8 : 8 + PAGE);
        int sent = 5 + (zero ? 8 : 8 + PAGE);
        bytes.addAndGet(sent);
        return sent;
    }

    private static final byte[] ZEROS = new byte[PAGE];

    /** The return path: page requests until the destination is done; anything else ends post-copy. */
    private void readRequests(WireInput in) {
        try {
            while (true) {
                WireInput.Control m = in.nextControl();
                switch (m.kind()) {
                    case PAGE_REQUEST -> {
                        if (m.payload().length != 8) {
                            throw new IOException("migration wire: PAGE_REQUEST at byte " + m.at() + " has "
                                    + m.payload().length + " bytes, not 8");
                        }
                        long pfn = ByteBuffer.wrap(m.payload()).getLong();
                        if (pfn < 0 || pfn >= pageCount) {
                            throw new IOException("migration wire: PAGE_REQUEST at byte " + m.at() + " asks for page "
                                    + pfn + ", outside the " + pageCount + " pages of RAM");
                        }
                        requests.incrementAndGet();
                        requested.add(pfn);
                        wake();
                    }
                    case RECEIVED -> acknowledge(m);
                    case POSTCOPY_DONE -> {
                        medianRequestNanos = reportedMedian(m.text());
                        done.complete(null);
                        return;
                    }
                    case REFUSED -> throw new IOException("the destination refused the post-copy: " + m.text());
                    default -> throw new IOException("migration wire: unexpected " + m.kind() + " at byte " + m.at()
                            + " during post-copy");
                }
            }
        } catch (IOException | RuntimeException e) {
            done.completeExceptionally(e);
        } finally {
            wake();
        }
    }

    private void acknowledge(WireInput.Control m) throws IOException {
        if (m.payload().length != 8) {
            throw new IOException("migration wire: RECEIVED at byte " + m.at() + " has " + m.payload().length
                    + " bytes, not 8");
        }
        long n = ByteBuffer.wrap(m.payload()).getLong();
        synchronized (signal) {
            if (n < ackedMessages || n > sentMessages) {
                throw new IOException("migration wire: RECEIVED at byte " + m.at() + " acknowledges " + n
                        + " pages; " + ackedMessages + " were acknowledged before and " + sentMessages + " sent");
            }
            ackedMessages = n;
            signal.notifyAll();
        }
    }

    private void wake() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    /**
     * Waits until an unasked page may go (the window has room and the bandwidth limit allows it);
     * returns false when a request came (or the end) instead.
     */
    private boolean awaitWindow() throws InterruptedException {
        synchronized (signal) {
            while (true) {
                boolean windowFull = sentMessages - ackedMessages >= WINDOW;
                long ahead = windowFull ? 0 : paceAheadNanos();
                if (!windowFull && ahead <= 0) {
                    return true;
                }
                if (!requested.isEmpty() || done.isDone()) {
                    return false;
                }
                if (windowFull) {
                    signal.wait();
                } else {
                    java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(signal, ahead);
                }
            }
        }
    }

    /**
     * How far the background pages are ahead of {@code max-bandwidth} (0 or less: not ahead); a
     * changed limit counts from its change, as the pre-copy rounds' does.
     */
    private long paceAheadNanos() {
        long rate = maxBandwidth;
        long now = System.nanoTime();
        if (rate != pacedRate) {
            pacedRate = rate;
            paceStart = now;
            pacedBytes = 0;
        }
        return rate == 0 ? 0 : BandwidthPace.aheadNanos(pacedBytes, now - paceStart, rate);
    }

    /**
     * The destination's median request latency from its {@link WireMessage#POSTCOPY_DONE} text
     * ({@code requests=N median-request-ns=M}); 0 when it says nothing usable (only a report).
     */
    static long reportedMedian(String text) {
        for (String field : text.strip().split(" ", 8)) {
            if (field.startsWith("median-request-ns=")) {
                try {
                    return Math.max(0, Long.parseLong(field.substring("median-request-ns=".length())));
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    /** The counters for {@code info migrate}. */
    PostcopyStats stats() {
        long sent = requestedSent.get() + backgroundSent.get();
        return new PostcopyStats(missingPages, requests.get(), requestedSent.get(), backgroundSent.get(),
                Math.max(0, missingPages - sent), bytes.get(), medianRequestNanos / 1000);
    }

    /** Pages the destination lacked at the switch-over. */
    long missingPages() {
        return missingPages;
    }

    /** Page requests received (the destination's guest-visible faults). */
    long requests() {
        return requests.get();
    }

    /** Pages sent because they were asked for. */
    long requestedSent() {
        return requestedSent.get();
    }

    /** Pages sent in the background, in address order. */
    long backgroundSent() {
        return backgroundSent.get();
    }
}
