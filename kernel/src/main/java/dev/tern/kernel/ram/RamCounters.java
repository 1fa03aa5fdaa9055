package dev.tern.kernel.ram;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a {@link RamSender} has sent, page by page kind, and the wire cost per page of its last
 * round. Read by any thread ({@code info migrate}). Counting is safe from several threads at once:
 * the senders of multifd channels share one instance, so the figures (and the estimate built on
 * them) cover every channel. Rounds are started and ended by one thread while nobody counts.
 */
public final class RamCounters {

    private final LongAdder zeroPages = new LongAdder();
    private final LongAdder normalPages = new LongAdder();
    private final LongAdder unchangedPages = new LongAdder();
    private final LongAdder pageRecords = new LongAdder();
    private final LongAdder remoteBytes = new LongAdder();
    private final Map<String, Long> encodedPages = new ConcurrentHashMap<>();
    private volatile double bytesPerPage = 8 + RamRecord.PAGE;
    private final LongAdder roundPages = new LongAdder();
    private final LongAdder roundBytes = new LongAdder();
    private final LongAdder roundZeroPages = new LongAdder();
    private final LongAdder roundNanos = new LongAdder();
    private volatile double nanosPerPage;
    private volatile int parallelism = 1;

    /**
     * Says that {@code senders} senders work on the rounds at once (multifd channels): their busy
     * times add up, so a page's share of the round's elapsed work is that sum divided by them.
     */
    void parallelism(int senders) {
        parallelism = Math.max(1, senders);
    }

    void roundStarted() {
        roundPages.reset();
        roundBytes.reset();
        roundZeroPages.reset();
        roundNanos.reset();
    }

    void roundEnded(boolean firstPass) {
        long all = roundPages.sum();
        long pages = all;
        long bytes = roundBytes.sum();
        long zeros = roundZeroPages.sum();
        if (firstPass && pages > zeros) {
            pages -= zeros;
        }
        if (pages > 0) {
            bytesPerPage = (double) bytes / pages;
        }
        if (!firstPass && all > 0) {
            nanosPerPage = (double) roundNanos.sum() / all / parallelism;
        }
    }

    void busy(long nanos) {
        roundNanos.add(nanos);
    }

    /**
     * Nanoseconds the senders spent reading and encoding the current (or last ended) round's pages,
     * divided among parallel senders as {@link #nanosPerPage()} is: the part of the round's wall
     * time that is not the wire's.
     */
    public long roundBusyNanos() {
        return roundNanos.sum() / parallelism;
    }

    void zero(long pages, long bytes) {
        zeroPages.add(pages);
        roundZeroPages.add(pages);
        if (bytes > 0) {
            pageRecords.add(pages); // a first pass skips zero pages without a record
        }
        count(pages, bytes);
    }

    void normal(long bytes) {
        normalPages.increment();
        pageRecords.increment();
        count(1, bytes);
    }

    void unchanged() {
        unchangedPages.increment();
        count(1, 0);
    }

    void encoded(String codec, long bytes) {
        encodedPages.merge(codec, 1L, Long::sum);
        pageRecords.increment();
        count(1, bytes);
    }

    void remote(long pages, long bytes) {
        normalPages.add(pages);
        remoteBytes.add(bytes);
        count(pages, bytes);
    }

    private void count(long pages, long bytes) {
        roundPages.add(pages);
        roundBytes.add(bytes);
    }

    /**
     * Page records put in the stream (ZERO, NORMAL, ENCODED): what a receiver counts. A page a delta
     * codec found unchanged, or a zero page a first pass skipped, has none.
     */
    public long pageRecords() {
        return pageRecords.sum();
    }

    /** Zero pages: skipped in a first pass, a record each later. */
    public long zeroPages() {
        return zeroPages.sum();
    }

    /** Pages sent whole (or written one-sided). */
    public long normalPages() {
        return normalPages.sum();
    }

    /** Pages a delta codec found unchanged since they were last sent, so nothing was sent. */
    public long unchangedPages() {
        return unchangedPages.sum();
    }

    /** Pages sent encoded by the codec of that id. */
    public long encodedPages(String codec) {
        return encodedPages.getOrDefault(codec, 0L);
    }

    /** Page bytes written one-sided (zero pages not counted). */
    public long remoteBytes() {
        return remoteBytes.sum();
    }

    /**
     * Nanoseconds of sender work (copy, encode) per page over the last round after the first pass,
     * 0 before; receiving a page is the mirror of that work, so it stands in for the receiver's cost.
     * With multifd the channels' work is divided by their number: they (and their receivers) run at once.
     */
    public double nanosPerPage() {
        return nanosPerPage;
    }

    /** Wire bytes per page over the last round with pages (starts at a raw page). */
    public double bytesPerPage() {
        return bytesPerPage;
    }
}
