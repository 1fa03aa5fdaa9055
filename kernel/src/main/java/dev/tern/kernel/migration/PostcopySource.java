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
    /** The current link: the switch-over's connection, or the last resumed one (sender thread only). */
    private WireOutput wire;
    private Connection connection;
    private WireInput linkIn;
    private final BitSet unsent = new BitSet();
    /** The pages announced missing: a resuming destination may only name these. */
    private final BitSet announced = new BitSet();
    private final LinkedBlockingQueue<Long> requested = new LinkedBlockingQueue<>();
    /** The current link's end: POSTCOPY_DONE, or its failure. */
    private volatile CompletableFuture<Void> done = new CompletableFuture<>();
    /** Whether a lost connection pauses ({@link #allowRecovery}) instead of failing. */
    private volatile boolean recoverable;
    private volatile java.util.function.Consumer<String> onPause = why -> { };
    private volatile Runnable onResumed = () -> { };
    /** Connections handed to a paused post-copy; an empty one gives up ({@link #abandon}). */
    private final LinkedBlockingQueue<java.util.Optional<Connection>> resumes = new LinkedBlockingQueue<>();
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
        announced.or(unsent);
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
        linkIn = new WireInput(connection);
        while (true) {
            try {
                runLink();
                return;
            } catch (IOException e) {
                if (!recoverable || e instanceof Refused) {
                    throw e;
                }
                pauseUntilResumed(e);
            }
        }
    }

    /**
     * From now on a lost connection pauses post-copy (QEMU's {@code postcopy-paused}): every page
     * stays here until a {@link #resume}d connection's destination says which it still lacks.
     * {@code onPause} hears each pause's reason, {@code onResumed} each successful resumption (on
     * the sending thread).
     */
    void allowRecovery(java.util.function.Consumer<String> onPause, Runnable onResumed) {
        this.onPause = java.util.Objects.requireNonNull(onPause, "onPause");
        this.onResumed = java.util.Objects.requireNonNull(onResumed, "onResumed");
        recoverable = true;
    }

    /** Hands a paused post-copy a new connection to the destination (QEMU's {@code migrate -r}). */
    void resume(Connection connection) {
        resumes.add(java.util.Optional.of(connection));
    }

    /** Gives a paused post-copy up: {@link #run} fails (the guest is then lost). */
    void abandon() {
        resumes.add(java.util.Optional.empty());
    }

    /** The destination said REFUSED: it decided, so no recovery. */
    private static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    private void pauseUntilResumed(IOException why) throws IOException, InterruptedException {
        String reason = why.getMessage() == null ? why.toString() : why.getMessage();
        while (true) {
            onPause.accept(reason);
            var next = resumes.take();
            if (next.isEmpty()) {
                throw new IOException(reason + "; recovery given up (migrate_cancel)", why);
            }
            Connection c = next.get();
            try {
                reconnect(c);
                onResumed.run();
                return;
            } catch (IOException e) {
                reason = "resuming on " + c.peer() + " failed: " + (e.getMessage() == null ? e : e.getMessage());
                try {
                    new WireOutput(c).control(WireMessage.REFUSED, reason); // tells a wrong destination why
                } catch (IOException | RuntimeException ignored) {
                    // the connection is gone already
                }
                try {
                    c.close();
                } catch (IOException ignored) {
                    // the attempt failed already; its reason is what counts
                }
            }
        }
    }

    /**
     * Tells the destination to resume, reads the pages it still lacks and makes exactly those the
     * pages to send: those sent on the lost connection and not received go again, the rest not.
     */
    private void reconnect(Connection c) throws IOException {
        var out = new WireOutput(c);
        out.control(WireMessage.POSTCOPY_RESUME, new byte[0], 0);
        var in = new WireInput(c);
        BitSet lacking = new BitSet();
        long next = 0;
        while (true) {
            WireInput.Control m = in.nextControl();
            switch (m.kind()) {
                case POSTCOPY_MISSING -> next = lackingRuns(m, next, lacking);
                case POSTCOPY_RESUMED -> {
                    unsent.clear();
                    unsent.or(lacking);
                    requested.clear(); // the destination asks again for what it waits for
                    synchronized (signal) {
                        sentMessages = 0;
                        ackedMessages = 0;
                    }
                    connection = c;
                    wire = out;
                    linkIn = in;
                    done = new CompletableFuture<>();
                    return;
                }
                case REFUSED -> throw new IOException("the destination refused the recovery: " + m.text());
                default -> throw new IOException("migration wire: unexpected " + m.kind() + " at byte " + m.at()
                        + " while resuming post-copy");
            }
        }
    }

    /** Checks one POSTCOPY_MISSING message's runs into {@code lacking}; returns the next allowed start. */
    private long lackingRuns(WireInput.Control m, long next, BitSet lacking) throws IOException {
        byte[] payload = m.payload();
        if (payload.length % 12 != 0) {
            throw new IOException("migration wire: POSTCOPY_MISSING at byte " + m.at() + " has " + payload.length
                    + " bytes, not a whole number of 12-byte runs");
        }
        ByteBuffer b = ByteBuffer.wrap(payload);
        while (b.hasRemaining()) {
            long first = b.getLong();
            long count = Integer.toUnsignedLong(b.getInt());
            if (first < next || count == 0 || first >= pageCount || count > pageCount - first) {
                throw new IOException("migration wire: POSTCOPY_MISSING at byte " + m.at() + " holds the run of "
                        + count + " pages from page " + first + ": runs must be non-empty, ascending and within the "
                        + pageCount + " pages of RAM");
            }
            int from = (int) first;
            int to = (int) (first + count);
            int stray = announced.nextClearBit(from);
            if (stray < to) {
                throw new IOException("migration wire: POSTCOPY_MISSING at byte " + m.at() + " names page " + stray
                        + ", which this post-copy never announced missing: not this migration's destination");
            }
            lacking.set(from, to);
            next = first + count;
        }
        return next;
    }

    /** Sends on the current link until the destination is done; fails when the link does. */
    private void runLink() throws IOException, InterruptedException {
        WireInput in = linkIn;
        CompletableFuture<Void> done = this.done;
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
                    case REFUSED -> throw new Refused("the destination refused the post-copy: " + m.text());
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
