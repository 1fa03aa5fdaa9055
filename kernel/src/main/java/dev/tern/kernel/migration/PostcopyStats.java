package dev.tern.kernel.migration;

/**
 * The post-copy part of a migration's view (all zero when it stayed pre-copy).
 *
 * @param missingPages pages the destination lacked at the switch-over
 * @param requests page requests the source received (guest-visible faults on missing pages)
 * @param requestedPages pages sent because they were asked for
 * @param backgroundPages pages sent in address order, unasked
 * @param remainingPages missing pages not sent yet
 * @param bytes bytes of page messages sent after the commit
 * @param medianRequestMicros the median time from a page request to the page in guest RAM, as the
 *                            destination measured it (reported at completion; 0 until then or
 *                            without requests)
 */
public record PostcopyStats(long missingPages, long requests, long requestedPages, long backgroundPages,
        long remainingPages, long bytes, long medianRequestMicros) {

    /** No post-copy. */
    public static final PostcopyStats NONE = new PostcopyStats(0, 0, 0, 0, 0, 0, 0);
}
