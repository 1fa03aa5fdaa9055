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
 * @param lz4Pages pages sent LZ4-compressed
 * @param dirtyPagesRate pages dirtied per second, measured between the last two syncs
 * @param mbps wire throughput in megabits per second
 * @param dirtySyncCount dirty-log syncs so far
 * @param cpuThrottlePercentage how much auto-converge slows the guest now, percent of time stopped
 * @param xbzrle the XBZRLE encoder's counters (empty when the capability is off)
 * @param error why the migration failed or was cancelled, or empty
 * @param rounds rounds of pages sent while the guest ran
 * @param expectedApplyMs the destination's part of {@code expectedDowntimeMs}
 * @param destinationApplyMs what applying the last pages and the devices took the destination, as it
 *                           reported (once completed over a bidirectional transport)
 * @param oneSided whether RAM went one-sided into the destination's exposed memory
 * @param downtimePhasesMs where the switch-over pause went, milliseconds by phase (once completed)
 */
public record MigrationStats(MigrationStatus status, long totalMs, long setupMs, long downtimeMs,
        long expectedDowntimeMs, long ramTransferred, long ramRemaining, long ramTotal, long duplicatePages,
        long normalPages, long lz4Pages, long dirtyPagesRate, double mbps, long dirtySyncCount,
        int cpuThrottlePercentage, Map<String, Long> xbzrle, String error, int rounds, long expectedApplyMs,
        long destinationApplyMs, boolean oneSided, Map<String, Long> downtimePhasesMs) {

    public MigrationStats {
        xbzrle = Map.copyOf(xbzrle);
        downtimePhasesMs = Map.copyOf(downtimePhasesMs);
    }

    /** The text of {@code info migrate}. */
    public String render() {
        var sb = new StringBuilder();
        line(sb, "Migration status", status.label());
        line(sb, "total time", totalMs + " ms");
        if (status == MigrationStatus.COMPLETED) {
            line(sb, "downtime", downtimeMs + " ms (expected " + millis(expectedDowntimeMs) + ")");
            line(sb, "destination apply", destinationApplyMs + " ms (expected " + expectedApplyMs + " ms)");
            line(sb, "downtime phases", new java.util.TreeMap<>(downtimePhasesMs).toString());
        } else {
            line(sb, "expected downtime", millis(expectedDowntimeMs));
        }
        line(sb, "iterations", Integer.toString(rounds));
        if (oneSided) {
            line(sb, "ram transport", "one-sided (remote memory)");
        }
        line(sb, "setup", setupMs + " ms");
        line(sb, "transferred ram", ramTransferred / 1024 + " kbytes");
        line(sb, "throughput", String.format(Locale.ROOT, "%.2f mbps", mbps));
        line(sb, "remaining ram", ramRemaining / 1024 + " kbytes");
        line(sb, "total ram", ramTotal / 1024 + " kbytes");
        line(sb, "duplicate", duplicatePages + " pages");
        line(sb, "normal", normalPages + " pages");
        line(sb, "normal bytes", normalPages * 4 + " kbytes");
        line(sb, "lz4", lz4Pages + " pages");
        line(sb, "dirty sync count", Long.toString(dirtySyncCount));
        line(sb, "dirty pages rate", dirtyPagesRate + " pages");
        if (cpuThrottlePercentage > 0) {
            line(sb, "cpu throttle percentage", Integer.toString(cpuThrottlePercentage));
        }
        if (!xbzrle.isEmpty()) {
            xbzrleBlock(sb);
        }
        if (!error.isEmpty()) {
            line(sb, "error", error);
        }
        return sb.toString();
    }

    private void xbzrleBlock(StringBuilder sb) {
        line(sb, "cache size", xbzrle.getOrDefault("cache-size", 0L) + " bytes");
        line(sb, "xbzrle transferred", xbzrle.getOrDefault("bytes", 0L) / 1024 + " kbytes");
        line(sb, "xbzrle pages", xbzrle.getOrDefault("pages", 0L) + " pages");
        line(sb, "xbzrle cache miss", Long.toString(xbzrle.getOrDefault("cache-miss", 0L)));
        line(sb, "xbzrle cache miss rate", hundredths(xbzrle.getOrDefault("cache-miss-rate", 0L)));
        line(sb, "xbzrle encoding rate", hundredths(xbzrle.getOrDefault("encoding-rate", 0L)));
        line(sb, "xbzrle overflow", Long.toString(xbzrle.getOrDefault("overflow", 0L)));
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
