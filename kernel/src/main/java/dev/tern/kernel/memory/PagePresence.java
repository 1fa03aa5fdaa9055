package dev.tern.kernel.memory;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Which guest pages are still missing on a post-copy destination, and the waits for them.
 *
 * <p>The guest runs before all of its RAM has arrived: every page the source had not sent (or saw
 * written again) at the switch-over is marked missing here. A thread about to touch a missing page
 * — a vCPU filling its soft TLB, a device doing DMA — calls {@link #await}: the first to want a page
 * asks for it through the {@link PageRequester}, and every thread wanting it blocks on one future
 * until the receiving thread {@link #install installs} the page. A present page costs one bit test,
 * and a CPU never caches a page that is missing, so pages already in a TLB cost nothing.
 *
 * <p>If the pages can never come (the source is gone), {@link #lose} makes every waiter, present
 * and future, fail with {@link GuestMemoryLostException}: the guest's memory is split between two
 * hosts and one half is gone, so it must not run on.
 */
public final class PagePresence {

    /** Asks the source for one page; called once per page, on the thread that wants it. */
    @FunctionalInterface
    public interface PageRequester {
        void request(long pfn);
    }

    /** Latencies kept for the median: the last this many requests. */
    private static final int LATENCY_SAMPLES = 4096;

    private final long pageCount;
    private final AtomicLongArray missing;
    private final AtomicLong missingCount = new AtomicLong();
    private final ConcurrentHashMap<Long, Waiter> waiters = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> complete = new CompletableFuture<>();
    private final AtomicLong requests = new AtomicLong();
    private final long[] latencies = new long[LATENCY_SAMPLES];
    private long latencyCount;
    private volatile PageRequester requester;
    private volatile String lostReason;

    /** A page being waited for: when it was asked for, and the future its waiters block on. */
    private record Waiter(long requestedNanos, CompletableFuture<Void> installed) { }

    /** Nothing missing yet among {@code pageCount} pages (page frame numbers {@code 0..pageCount-1}). */
    public PagePresence(long pageCount) {
        if (pageCount < 0 || pageCount > (long) Integer.MAX_VALUE * 64) {
            throw new IllegalArgumentException("page count " + pageCount);
        }
        this.pageCount = pageCount;
        this.missing = new AtomicLongArray((int) ((pageCount + 63) >>> 6));
    }

    /** How many page frame numbers this covers. */
    public long pageCount() {
        return pageCount;
    }

    /** Sets who asks for missing pages; until then a waiter fails (nothing could fetch its page). */
    public void requestWith(PageRequester requester) {
        this.requester = Objects.requireNonNull(requester, "requester");
    }

    /** Marks {@code [from, from+count)} missing; before the guest runs (the switch-over). */
    public void markMissing(long from, long count) {
        if (from < 0 || count < 0 || from + count > pageCount || from + count < from) {
            throw new IllegalArgumentException("pages " + from + "+" + count + " outside 0.." + pageCount);
        }
        for (long p = from; p < from + count; p++) {
            long bit = 1L << p;
            long old = missing.getAndAccumulate((int) (p >>> 6), bit, (a, b) -> a | b);
            if ((old & bit) == 0) {
                missingCount.incrementAndGet();
            }
        }
        if (missingCount.get() > 0 && complete.isDone()) {
            throw new IllegalStateException("pages marked missing after every page was present");
        }
    }

    /** Whether page {@code pfn} has not arrived yet (false outside the covered range). */
    public boolean isMissing(long pfn) {
        return pfn >= 0 && pfn < pageCount && (missing.get((int) (pfn >>> 6)) & (1L << pfn)) != 0;
    }

    /** Pages still missing. */
    public long missingCount() {
        return missingCount.get();
    }

    /** Completes when no page is missing any more (at once if none ever was, once {@link #seal}ed). */
    public CompletableFuture<Void> completion() {
        return complete;
    }

    /** Says the missing set is complete: from now on, the last install completes {@link #completion()}. */
    public void seal() {
        if (missingCount.get() == 0) {
            complete.complete(null);
        }
    }

    /**
     * Returns once every page of {@code [gpa, gpa+len)} is present, asking for the missing ones.
     *
     * @throws GuestMemoryLostException when a page can never arrive
     */
    public void await(long gpa, long len) {
        if (len <= 0) {
            return;
        }
        long last = Math.min((gpa + len - 1) >>> 12, pageCount - 1);
        for (long p = Math.max(0, gpa >>> 12); p <= last; p++) {
            if (isMissing(p)) {
                awaitPage(p);
            }
        }
    }

    private void awaitPage(long pfn) {
        Waiter fresh = new Waiter(System.nanoTime(), new CompletableFuture<>());
        Waiter w = waiters.putIfAbsent(pfn, fresh);
        PostcopyPageRequestEvent traced = null;
        if (w == null) {
            w = fresh;
            // The install clears the bit before it takes the waiter: if it is clear now, the
            // install may have missed ours; if not, the install will find it.
            if (!isMissing(pfn)) {
                waiters.remove(pfn, w);
                return;
            }
            String lost = lostReason;
            PageRequester r = requester;
            if (lost == null && r != null) {
                requests.incrementAndGet();
                traced = new PostcopyPageRequestEvent();
                traced.begin();
                try {
                    r.request(pfn);
                } catch (RuntimeException e) {
                    requestFailed(pfn, w, e);
                }
            }
        }
        String lost = lostReason;
        if (lost != null && isMissing(pfn)) {
            throw new GuestMemoryLostException(pfn, lost);
        }
        if (requester == null) {
            throw new GuestMemoryLostException(pfn, "nothing fetches missing pages");
        }
        try {
            w.installed().join();
        } catch (java.util.concurrent.CompletionException e) {
            throw new GuestMemoryLostException(pfn, lostReason);
        }
        trace(traced, pfn);
    }

    /**
     * A request could not be written: the connection broke. The thread that reads it sees that too
     * and says why (the source's abort, its end of stream), which tells more than this write's
     * error, so it is given {@link #REQUEST_FAILURE_GRACE_MS} to lose the guest, or to install the
     * page: it may have come meanwhile, the last one before the source closed the connection, and
     * a request it no longer needed loses nothing.
     */
    private void requestFailed(long pfn, Waiter w, RuntimeException e) {
        try {
            w.installed().get(REQUEST_FAILURE_GRACE_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException timedOut) {
            if (isMissing(pfn)) {
                lose("asking for page " + pfn + " failed: " + e.getMessage());
            }
        } catch (java.util.concurrent.ExecutionException lost) {
            // lost for the reader's reason: the caller reports it
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            lose("asking for page " + pfn + " failed: " + e.getMessage());
        }
    }

    /** How long a failed request waits for the connection's reader to report the failure first. */
    static final long REQUEST_FAILURE_GRACE_MS = 2_000;

    private static void trace(PostcopyPageRequestEvent event, long pfn) {
        if (event != null) {
            event.end();
            if (event.shouldCommit()) {
                event.page = pfn;
                event.commit();
            }
        }
    }

    /**
     * Installs page {@code pfn} with {@code write} if it is still missing, and wakes its waiters;
     * a page already present is left alone (the guest may have written it since), so a page sent
     * twice — asked for and also pushed in the background — lands once. Called by one thread.
     *
     * @return whether the page was installed
     */
    public boolean install(long pfn, Runnable write) {
        if (!isMissing(pfn)) {
            return false;
        }
        write.run();
        missing.getAndAccumulate((int) (pfn >>> 6), ~(1L << pfn), (a, b) -> a & b);
        Waiter w = waiters.remove(pfn);
        if (w != null) {
            recordLatency(System.nanoTime() - w.requestedNanos());
            w.installed().complete(null);
        }
        if (missingCount.decrementAndGet() == 0) {
            complete.complete(null);
        }
        return true;
    }

    /** The pages can never come: every waiter now and later fails naming {@code reason}. */
    public void lose(String reason) {
        if (lostReason == null) {
            lostReason = Objects.requireNonNull(reason, "reason");
        }
        waiters.values().forEach(w -> w.installed().completeExceptionally(new IllegalStateException(reason)));
        complete.completeExceptionally(new GuestMemoryLostException(-1, reason));
    }

    /**
     * The pages some thread waits for now: after a lost connection is recovered they are asked
     * for again, since a request sent on the lost one may never have arrived.
     */
    public long[] waitedFor() {
        return waiters.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
    }

    /** Why the missing pages are lost, or null. */
    public String lostReason() {
        return lostReason;
    }

    /** Pages asked for by a waiting thread (guest-visible page faults). */
    public long requests() {
        return requests.get();
    }

    /** The median time from asking for a page to its install, over the latest requests (0 if none). */
    public synchronized long medianLatencyNanos() {
        int n = (int) Math.min(latencyCount, LATENCY_SAMPLES);
        if (n == 0) {
            return 0;
        }
        long[] copy = Arrays.copyOf(latencies, n);
        Arrays.sort(copy);
        return copy[n / 2];
    }

    private synchronized void recordLatency(long nanos) {
        latencies[(int) (latencyCount++ % LATENCY_SAMPLES)] = nanos;
    }
}
