package dev.tern.kernel.migration;

import dev.tern.kernel.memory.GuestMemoryLostException;
import dev.tern.kernel.memory.GuestRam;
import dev.tern.kernel.memory.PagePresence;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.memory.RamRegion;
import dev.tern.spi.transport.Connection;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The destination's half of post-copy (docs/protocols/migration.md, "Post-copy"): the pages the
 * source announced as missing ({@link WireMessage#POSTCOPY}) are marked in the RAM's
 * {@link PagePresence} before the device state loads; after the commit the guest runs while one
 * thread installs the pages the source sends ({@link WireMessage#PAGE}) and any thread that
 * touches a missing page asks for it on the same connection ({@link WireMessage#PAGE_REQUEST}).
 *
 * <p>Every message is checked: runs ascending, within writable RAM; pages within it, of the right
 * size. Should the connection end before every page is here, the guest's memory is split between
 * two hosts and one half is gone: the guest is lost and {@link #completion()} fails saying so.
 */
public final class PostcopyIncoming {

    private static final int PAGE = GuestMemory.PAGE_SIZE;

    private final GuestRam ram;
    private final PagePresence presence;
    private final CompletableFuture<PostcopyIncoming> done = new CompletableFuture<>();
    private final AtomicLong received = new AtomicLong();
    private long nextRunStart;
    private long announced;
    private volatile String peer = "the source";
    /** The link's writer (requests, acknowledgements); null while paused. Guarded by itself as a lock: {@link #link}. */
    private final Object link = new Object();
    private WireOutput out;
    /** Whether a lost connection pauses post-copy ({@link #allowRecovery}) instead of losing the guest. */
    private volatile boolean recoverable;
    private volatile java.util.function.Consumer<String> onPause = why -> { };

    PostcopyIncoming(GuestRam ram) {
        this.ram = ram;
        this.presence = new PagePresence(ram.ramEnd() >>> GuestMemory.PAGE_SHIFT);
    }

    /** Takes one {@link WireMessage#POSTCOPY} message's runs, refusing any out of order or outside writable RAM. */
    void acceptRuns(byte[] payload, long at) throws IOException {
        if (payload.length % 12 != 0) {
            throw new IOException("migration wire: POSTCOPY at byte " + at + " has " + payload.length
                    + " bytes, not a whole number of 12-byte runs");
        }
        ByteBuffer b = ByteBuffer.wrap(payload);
        while (b.hasRemaining()) {
            long first = b.getLong();
            long count = Integer.toUnsignedLong(b.getInt());
            if (first < nextRunStart || count == 0 || first >= presence.pageCount()
                    || count > presence.pageCount() - first) {
                throw new IOException("migration wire: POSTCOPY at byte " + at + " holds the run of " + count
                        + " pages from page " + first + ": runs must be non-empty, ascending and within the "
                        + presence.pageCount() + " pages of RAM");
            }
            RamRegion r = ram.regionAt(first * PAGE);
            if (r == null || r.readOnly() || (first + count) * PAGE > r.end()) {
                throw new IOException("migration wire: POSTCOPY at byte " + at + " names pages 0x"
                        + Long.toHexString(first * PAGE) + "+" + count + ", not all in one writable RAM region");
            }
            presence.markMissing(first, count);
            nextRunStart = first + count;
            announced += count;
        }
    }

    /**
     * Makes the machine's RAM wait for the missing pages (before the device state loads: nothing
     * may read their stale copies); until {@link #start} a touch of one fails.
     */
    void expect() {
        ram.expectPages(presence);
    }

    /**
     * After the commit: installs the pages arriving on {@code connection} on a thread of its own,
     * and lets the guest ask for pages on the same connection. Takes the connection over.
     */
    void start(Connection connection, WireInput in) {
        peer = connection.peer();
        var writer = new WireOutput(connection);
        synchronized (link) {
            out = writer;
        }
        presence.requestWith(this::request);
        presence.seal();
        Thread.ofPlatform().name("tern-postcopy-pages").daemon().start(() -> receive(connection, in, writer));
    }

    /**
     * From now on a lost connection pauses post-copy (QEMU's {@code postcopy-paused}) instead of
     * losing the guest: threads that need a missing page wait, and {@link #resume} continues on a
     * new connection from the same source. {@code onPause} hears each pause's reason.
     */
    public void allowRecovery(java.util.function.Consumer<String> onPause) {
        this.onPause = java.util.Objects.requireNonNull(onPause, "onPause");
        recoverable = true;
    }

    private final byte[] request = new byte[8];

    private void request(long pfn) {
        synchronized (link) {
            if (out == null) {
                return; // paused: the waiter stays, and resume() asks for its page again
            }
            try {
                ByteBuffer.wrap(request).putLong(0, pfn);
                out.control(WireMessage.PAGE_REQUEST, request, 8);
            } catch (IOException e) {
                if (!recoverable) {
                    throw new UncheckedIOException(e);
                }
                // the receiving thread sees the connection fail too and pauses; resume() asks again
            }
        }
    }

    private void receive(Connection connection, WireInput in, WireOutput out) {
        try (connection) {
            MemorySegment page = MemorySegment.ofArray(new byte[PAGE]);
            byte[] ack = new byte[8];
            long pageMessages = 0;
            while (true) {
                WireInput.Control m = in.nextControl();
                switch (m.kind()) {
                    case PAGE -> {
                        install(m, page);
                        if (++pageMessages % PostcopySource.ACK_EVERY == 0) {
                            ByteBuffer.wrap(ack).putLong(0, pageMessages);
                            synchronized (link) {
                                out.control(WireMessage.RECEIVED, ack, 8);
                            }
                        }
                    }
                    case POSTCOPY_END -> {
                        if (presence.missingCount() != 0) {
                            throw new IOException("the source ended post-copy with " + presence.missingCount()
                                    + " pages still missing");
                        }
                        byte[] report = ("requests=" + presence.requests() + " median-request-ns="
                                + presence.medianLatencyNanos()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                        synchronized (link) {
                            out.control(WireMessage.POSTCOPY_DONE, report, report.length);
                        }
                        ram.expectPages(null); // every page is here: accesses stop looking
                        done.complete(this);
                        return;
                    }
                    case REFUSED -> throw new IOException("the source refused: " + m.text());
                    case ABORT -> {
                        lose(new IOException("the source aborted: " + m.text()));
                        return;
                    }
                    default -> throw new IOException("migration wire: unexpected " + m.kind() + " at byte " + m.at()
                            + " during post-copy");
                }
            }
        } catch (IOException | RuntimeException e) {
            if (recoverable) {
                pause(e);
            } else {
                lose(e);
            }
        }
    }

    private void pause(Exception e) {
        synchronized (link) {
            out = null;
        }
        onPause.accept("post-copy from " + peer + " paused (" + (e.getMessage() == null ? e.toString()
                : e.getMessage()) + ") with " + presence.missingCount() + " pages still on the source: the guest"
                + " waits for them until the source reconnects (migrate -r)");
    }

    /**
     * Continues a paused post-copy on {@code connection}, a new one from the source: reads its
     * {@link WireMessage#POSTCOPY_RESUME}, answers the pages still missing and
     * {@link WireMessage#POSTCOPY_RESUMED}, asks again for every page a thread waits for, and
     * receives pages on it. Takes the connection over; on failure closes it and stays paused.
     *
     * @throws IOException when the peer does not resume this post-copy or the connection fails
     * @throws IllegalStateException when post-copy is not paused
     */
    public void resume(Connection connection) throws IOException {
        synchronized (link) {
            if (out != null || done.isDone()) {
                throw new IllegalStateException("post-copy is not paused");
            }
        }
        try {
            var in = new WireInput(connection);
            in.expect(WireMessage.POSTCOPY_RESUME);
            var writer = new WireOutput(connection);
            sendMissing(writer);
            peer = connection.peer();
            synchronized (link) {
                writer.control(WireMessage.POSTCOPY_RESUMED, new byte[0], 0);
                out = writer;
                for (long pfn : presence.waitedFor()) {
                    request(pfn);
                }
            }
            Thread.ofPlatform().name("tern-postcopy-pages").daemon().start(() -> receive(connection, in, writer));
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /** Whether post-copy waits for the source to reconnect ({@link #allowRecovery}). */
    public boolean isPaused() {
        synchronized (link) {
            return out == null && recoverable && !done.isDone();
        }
    }

    /**
     * Gives a paused post-copy up (the destination quits, or the operator knows the source is
     * gone): the guest is lost, for {@code why}.
     */
    public void abandon(String why) {
        if (isPaused()) {
            lose(new IOException(why));
        }
    }

    /** The pages still missing, as {@link WireMessage#POSTCOPY_MISSING} runs; at least one message. */
    private void sendMissing(WireOutput writer) throws IOException {
        ByteBuffer runs = ByteBuffer.allocate(RUNS_PER_MESSAGE * 12);
        long pages = presence.pageCount();
        boolean sent = false;
        for (long p = 0; p < pages; ) {
            if (!presence.isMissing(p)) {
                p++;
                continue;
            }
            long end = p;
            while (end < pages && end - p < 0xFFFF_FFFFL && presence.isMissing(end)) {
                end++;
            }
            runs.putLong(p).putInt((int) (end - p));
            if (!runs.hasRemaining()) {
                writer.control(WireMessage.POSTCOPY_MISSING, runs.array(), runs.position());
                runs.clear();
                sent = true;
            }
            p = end;
        }
        if (runs.position() > 0 || !sent) {
            writer.control(WireMessage.POSTCOPY_MISSING, runs.array(), runs.position());
        }
    }

    /** Runs per {@link WireMessage#POSTCOPY_MISSING} message (12 bytes each, well within a message). */
    private static final int RUNS_PER_MESSAGE = 64 << 10;

    private void install(WireInput.Control m, MemorySegment page) throws IOException {
        byte[] p = m.payload();
        if (p.length != 8 && p.length != 8 + PAGE) {
            throw new IOException("migration wire: PAGE at byte " + m.at() + " has " + p.length + " bytes, not 8 or "
                    + (8 + PAGE));
        }
        long pfn = ByteBuffer.wrap(p).getLong();
        if (pfn < 0 || pfn >= presence.pageCount()) {
            throw new IOException("migration wire: PAGE at byte " + m.at() + " is page " + pfn + ", outside the "
                    + presence.pageCount() + " pages of RAM");
        }
        if (p.length > 8) {
            MemorySegment.copy(p, 8, page, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, PAGE);
        }
        try {
            if (ram.installPage(pfn, p.length > 8 ? page : null)) {
                received.incrementAndGet();
            }
        } catch (IllegalArgumentException e) {
            throw new IOException("migration wire: PAGE at byte " + m.at() + ": " + e.getMessage(), e);
        }
    }

    private void lose(Exception e) {
        long missing = presence.missingCount();
        String why = "post-copy from " + peer + " failed (" + (e.getMessage() == null ? e.toString() : e.getMessage())
                + ") with " + missing + " pages of the guest's RAM still only on the source: the guest ran here and"
                + " cannot go on without them; it is lost";
        presence.lose(why);
        done.completeExceptionally(new GuestMemoryLostException(-1, why));
    }

    /**
     * Completes once every page is here, or fails ({@link GuestMemoryLostException}) when the guest
     * is lost.
     */
    public CompletableFuture<PostcopyIncoming> completion() {
        return done;
    }

    /** Why the guest is lost (said before any thread waiting for a page hears it), or null. */
    public String lostReason() {
        return presence.lostReason();
    }

    /** Pages announced missing at the switch-over. */
    public long announcedPages() {
        return announced;
    }

    /** Pages still missing. */
    public long missingPages() {
        return presence.missingCount();
    }

    /** Pages installed from the source since the commit. */
    public long receivedPages() {
        return received.get();
    }

    /** Page requests (guest-visible faults on missing pages). */
    public long requests() {
        return presence.requests();
    }

    /** Median time from a page request to the page's install, nanoseconds (0 before any request). */
    public long medianRequestNanos() {
        return presence.medianLatencyNanos();
    }
}
