package dev.tern.kernel.ram;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a {@link RamSender} has sent, page by page kind, and the wire cost per page of its last
 * round. Written by the sending thread, read by any ({@code info migrate}).
 */
public final class RamCounters {

    private volatile long zeroPages;
    private volatile long normalPages;
    private volatile long unchangedPages;
    private volatile long remoteBytes;
    private final Map<String, Long> encodedPages = new ConcurrentHashMap<>();
    private volatile double bytesPerPage = 8 + RamRecord.PAGE;
    private long roundPages;
    private long roundBytes;
    private long roundZeroPages;
    private long roundNanos;
    private volatile double nanosPerPage;

    void roundStarted() {
        roundPages = 0;
        roundBytes = 0;
        roundZeroPages = 0;
        roundNanos = 0;
    }

    void roundEnded(boolean firstPass) {
        long pages = roundPages;
        long bytes = roundBytes;
        if (firstPass && pages > roundZeroPages) {
            pages -= roundZeroPages;
        }
        if (pages > 0) {
            bytesPerPage = (double) bytes / pages;
        }
        if (!firstPass && roundPages > 0) {
            nanosPerPage = (double) roundNanos / roundPages;
        }
    }

    void busy(long nanos) {
        roundNanos += nanos;
    }

    void zero(long pages, long bytes) {
        zeroPages += pages;
        roundZeroPages += pages;
        count(pages, bytes);
    }

    void normal(long bytes) {
        normalPages++;
        count(1, bytes);
    }

    void unchanged() {
        unchangedPages++;
        count(1, 0);
    }

    void encoded(String codec, long bytes) {
        encodedPages.merge(codec, 1L, Long::sum);
        count(1, bytes);
    }

    void remote(long pages, long bytes) {
        normalPages += pages;
        remoteBytes += bytes;
        count(pages, bytes);
    }

    private void count(long pages, long bytes) {
        roundPages += pages;
        roundBytes += bytes;
    }

    /** Zero pages: skipped in a first pass, a record each later. */
    public long zeroPages() {
        return zeroPages;
    }

    /** Pages sent whole (or written one-sided). */
    public long normalPages() {
        return normalPages;
    }

    /** Pages a delta codec found unchanged since they were last sent, so nothing was sent. */
    public long unchangedPages() {
        return unchangedPages;
    }

    /** Pages sent encoded by the codec of that id. */
    public long encodedPages(String codec) {
        return encodedPages.getOrDefault(codec, 0L);
    }

    /** Page bytes written one-sided (zero pages not counted). */
    public long remoteBytes() {
        return remoteBytes;
    }

    /**
     * Nanoseconds of sender work (copy, encode) per page over the last round after the first pass,
     * 0 before; receiving a page is the mirror of that work, so it stands in for the receiver's cost.
     */
    public double nanosPerPage() {
        return nanosPerPage;
    }

    /** Wire bytes per page over the last round with pages (starts at a raw page). */
    public double bytesPerPage() {
        return bytesPerPage;
    }
}
