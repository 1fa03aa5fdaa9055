package dev.tern.kernel.migration;

import java.util.Locale;
import java.util.Map;

/**
 * A point-in-time view of a migration, with the fields of QEMU's {@code query-migrate}.
 *
 * @param status where the migration stands
 * @param totalMs time since the migration started (until it ended, once final)
 * @param setupMs time spent in setup
 * @param downtimeMs how long the guest was paused for switch-over (once completed)
 * @param expectedDowntimeMs the last estimate of the switch-over pause
 * @param ramTransferred bytes put on the wire
 * @param ramRemaining bytes of dirty pages still to send
 * @param ramTotal bytes of migratable (writable) RAM
 * @param duplicatePages pages sent as zero pages (flag only)
 * @param normalPages pages sent raw
 * @param dirtyPagesRate pages dirtied per second, measured between the last two syncs
 * @param mbps wire throughput in megabits per second
 * @param dirtySyncCount dirty-log syncs so far
 * @param cpuThrottlePercentage how much auto-converge slows the guest now, percent of time stopped
 * @param codecs each page codec's counters by codec id ({@code pages}: pages it encoded; the rest as the
 *               codec reports them, e.g. XBZRLE's cache misses); empty when no codec was used
 * @param error why the migration failed or was cancelled, or empty
 * @param rounds rounds of pages sent while the guest ran
 * @param expectedApplyMs the destination's part of {@code expectedDowntimeMs}
 * @param destinationApplyMs what applying the last pages and the devices took the destination, as it
 *                           reported (once completed over a bidirectional transport)
 * @param oneSided whether RAM went one-sided into the destination's exposed memory
 * @param downtimePhasesUs where the switch-over pause went, microseconds by phase (once completed)
 * @param multifdChannels the RAM channels beside the main connection (0 without multifd)
 * @param multifdBytes bytes sent on those channels (part of {@code ramTransferred})
 * @param pauseBytes bytes sent with the guest paused, last pages and devices (part of {@code ramTransferred};
 *                   once completed)
 * @param postcopy the post-copy counters ({@link PostcopyStats#NONE} for a pre-copy migration)
 */
public record MigrationStats(MigrationStatus status, long totalMs, long setupMs, long downtimeMs,
        long expectedDowntimeMs, long ramTransferred, long ramRemaining, long ramTotal, long duplicatePages,
        long normalPages, long dirtyPagesRate, double mbps, long dirtySyncCount,
        int cpuThrottlePercentage, Map<String, Map<String, Long>> codecs, String error, int rounds, long expectedApplyMs,
        long destinationApplyMs, boolean oneSided, Map<String, Long> downtimePhasesUs, int multifdChannels,
        long multifdBytes, long pauseBytes, PostcopyStats postcopy) {

    /** A pre-copy migration's view. */
    public MigrationStats(MigrationStatus status, long totalMs, long setupMs, long downtimeMs,
            long expectedDowntimeMs, long ramTransferred, long ramRemaining, long ramTotal, long duplicatePages,
            long normalPages, long dirtyPagesRate, double mbps, long dirtySyncCount,
            int cpuThrottlePercentage, Map<String, Map<String, Long>> codecs, String error, int rounds,
            long expectedApplyMs, long destinationApplyMs, boolean oneSided, Map<String, Long> downtimePhasesUs,
            int multifdChannels, long multifdBytes, long pauseBytes) {
        this(status, totalMs, setupMs, downtimeMs, expectedDowntimeMs, ramTransferred, ramRemaining, ramTotal,
                duplicatePages, normalPages, dirtyPagesRate, mbps, dirtySyncCount, cpuThrottlePercentage, codecs, error,
                rounds, expectedApplyMs, destinationApplyMs, oneSided, downtimePhasesUs, multifdChannels, multifdBytes,
                pauseBytes, PostcopyStats.NONE);
    }

    public MigrationStats {
        java.util.Objects.requireNonNull(postcopy, "postcopy");
        var copy = new java.util.LinkedHashMap<String, Map<String, Long>>();
        codecs.forEach((id, counters) -> copy.put(id, Map.copyOf(counters)));
        codecs = java.util.Collections.unmodifiableMap(copy);
        downtimePhasesUs = Map.copyOf(downtimePhasesUs);
    }

    /** The phases in milliseconds with two decimals, e.g. {@code {1-pause-and-sync=0.41, 2-last-pages=0.12}}. */
    private String phasesText() {
        var sb = new StringBuilder("{");
        // No String.format: its locale data loads cold in the monitor thread, which runs beside the pause.
        new java.util.TreeMap<>(downtimePhasesUs).forEach((phase, us) -> sb.append(sb.length() > 1 ? ", " : "")
                .append(phase).append('=').append(us / 1000).append(us % 1000 < 100 ? ".0" : ".").append(us % 1000 / 10));
        return sb.append('}').toString();
    }

    /** The text of {@code info migrate}. */
    public String render() {
        var sb = new StringBuilder();
        line(sb, "Migration status", status.label());
        line(sb, "total time", totalMs + " ms");
        if (status == MigrationStatus.COMPLETED) {
            line(sb, "downtime", downtimeMs + " ms (expected " + millis(expectedDowntimeMs) + ")");
            line(sb, "destination apply", destinationApplyMs + " ms (expected " + expectedApplyMs + " ms)");
            line(sb, "downtime phases", phasesText());
            line(sb, "downtime bytes", pauseBytes / 1024 + " kbytes");
        } else {
            line(sb, "expected downtime", millis(expectedDowntimeMs));
        }
        line(sb, "iterations", Integer.toString(rounds));
        if (oneSided) {
            line(sb, "ram transport", "one-sided (remote memory)");
        }
        if (multifdChannels > 0) {
            line(sb, "multifd channels", Integer.toString(multifdChannels));
            line(sb, "multifd bytes", multifdBytes / 1024 + " kbytes");
        }
        line(sb, "setup", setupMs + " ms");
        line(sb, "transferred ram", ramTransferred / 1024 + " kbytes");
        line(sb, "throughput", String.format(Locale.ROOT, "%.2f mbps", mbps));
        line(sb, "remaining ram", ramRemaining / 1024 + " kbytes");
        line(sb, "total ram", ramTotal / 1024 + " kbytes");
        line(sb, "duplicate", duplicatePages + " pages");
        line(sb, "normal", normalPages + " pages");
        line(sb, "normal bytes", normalPages * 4 + " kbytes");
        line(sb, "dirty sync count", Long.toString(dirtySyncCount));
        line(sb, "dirty pages rate", dirtyPagesRate + " pages");
        if (cpuThrottlePercentage > 0) {
            line(sb, "cpu throttle percentage", Integer.toString(cpuThrottlePercentage));
        }
        codecs.forEach((id, counters) -> codecBlock(sb, id, counters));
        if (postcopy.missingPages() > 0 || status == MigrationStatus.POSTCOPY_ACTIVE) {
            line(sb, "postcopy missing pages", Long.toString(postcopy.missingPages()));
            line(sb, "postcopy remaining pages", Long.toString(postcopy.remainingPages()));
            line(sb, "postcopy request count", Long.toString(postcopy.requests()));
            line(sb, "postcopy requested pages", Long.toString(postcopy.requestedPages()));
            line(sb, "postcopy background pages", Long.toString(postcopy.backgroundPages()));
            line(sb, "postcopy request latency", postcopy.medianRequestMicros() + " us (median, at the destination)");
        }
        if (!error.isEmpty()) {
            line(sb, "error", error);
        }
        return sb.toString();
    }

    /** The counters of the codec {@code id} (empty when the migration did not use it). */
    public Map<String, Long> codec(String id) {
        return codecs.getOrDefault(id, Map.of());
    }

    /**
     * One line per counter, {@code <codec> <counter>}; counters whose name ends in {@code -rate} are
     * hundredths (QEMU's rates), as codecs report them.
     */
    private static void codecBlock(StringBuilder sb, String id, Map<String, Long> counters) {
        new java.util.TreeMap<>(counters).forEach((key, v) -> line(sb, id + " " + key.replace('-', ' '),
                key.endsWith("-rate") ? hundredths(v) : Long.toString(v)));
    }

    private static String millis(long ms) {
        return ms == Long.MAX_VALUE ? "unknown" : ms + " ms";
    }

    private static String hundredths(long v) {
        return v == Long.MAX_VALUE ? "inf" : String.format(Locale.ROOT, "%d.%02d", v / 100, v % 100);
    }

    private static void line(StringBuilder sb, String key, String value) {
        sb.append(key).append(": ").append(value).append('\n');
    }
}
