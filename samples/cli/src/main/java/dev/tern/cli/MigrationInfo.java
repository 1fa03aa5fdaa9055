package dev.tern.cli;

import dev.tern.kernel.migration.DiskStats;
import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationStatus;
import dev.tern.kernel.monitor.Reply;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code info migrate} / {@code query-migrate}: the capabilities and, once a migration ran, its
 * statistics, as QAPI's MigrationInfo shapes them (an empty object before the first migration).
 *
 * @param config the current settings
 * @param stats the last migration's statistics, or null
 * @param disk the last migration's disk figures ({@link DiskStats#NONE} without block migration)
 */
record MigrationInfo(MigrationConfig config, MigrationStats stats, DiskStats disk) implements Reply {

    @Override
    public String human() {
        var sb = new StringBuilder("capabilities: ");
        config.capabilities().forEach((k, v) -> sb.append(k).append(": ").append(v ? "on" : "off").append(' '));
        sb.setLength(sb.length() - 1);
        sb.append('\n');
        if (stats != null) {
            sb.append(stats.render());
            if (disk.total() > 0) {
                sb.append("disk: transferred ").append(disk.transferred()).append(" bytes, remaining ")
                        .append(disk.remaining()).append(" bytes, total ").append(disk.total()).append(" bytes\n");
            }
        }
        return sb.toString();
    }

    @Override
    public Object qmp() {
        var m = new LinkedHashMap<String, Object>();
        if (stats == null) {
            return m;
        }
        MigrationStats s = stats;
        m.put("status", s.status().label());
        m.put("total-time", s.totalMs());
        m.put("setup-time", s.setupMs());
        if (s.status() == MigrationStatus.COMPLETED) {
            m.put("downtime", s.downtimeMs());
        } else if (s.expectedDowntimeMs() != Long.MAX_VALUE) {
            m.put("expected-downtime", s.expectedDowntimeMs());
        }
        m.put("ram", ram(s));
        if (disk.total() > 0) {
            var d = new LinkedHashMap<String, Object>();
            d.put("transferred", disk.transferred());
            d.put("remaining", disk.remaining());
            d.put("total", disk.total());
            m.put("disk", d);
        }
        Map<String, Long> xbzrle = s.codec("xbzrle");
        if (!xbzrle.isEmpty()) {
            var x = new LinkedHashMap<String, Object>();
            x.put("cache-size", config.xbzrleCacheSize());
            x.put("pages", xbzrle.getOrDefault("pages", 0L));
            x.put("cache-miss", xbzrle.getOrDefault("cache-miss", 0L));
            x.put("overflow", xbzrle.getOrDefault("overflow", 0L));
            m.put("xbzrle-cache", x);
        }
        if (s.postcopy().missingPages() > 0 || s.status() == MigrationStatus.POSTCOPY_ACTIVE) {
            var p = new LinkedHashMap<String, Object>();
            p.put("missing-pages", s.postcopy().missingPages());
            p.put("remaining-pages", s.postcopy().remainingPages());
            p.put("requests", s.postcopy().requests());
            p.put("requested-pages", s.postcopy().requestedPages());
            p.put("background-pages", s.postcopy().backgroundPages());
            p.put("request-latency-median-us", s.postcopy().medianRequestMicros());
            m.put("x-tern-postcopy", p);
        }
        if (s.cpuThrottlePercentage() > 0) {
            m.put("cpu-throttle-percentage", (long) s.cpuThrottlePercentage());
        }
        if (!s.error().isEmpty()) {
            m.put("error-desc", s.error());
        }
        return m;
    }

    private static Map<String, Object> ram(MigrationStats s) {
        var r = new LinkedHashMap<String, Object>();
        r.put("transferred", s.ramTransferred());
        r.put("remaining", s.ramRemaining());
        r.put("total", s.ramTotal());
        r.put("duplicate", s.duplicatePages());
        r.put("skipped", 0L);
        r.put("normal", s.normalPages());
        r.put("normal-bytes", s.normalPages() * 4096);
        r.put("dirty-pages-rate", s.dirtyPagesRate());
        r.put("mbps", s.mbps());
        r.put("dirty-sync-count", s.dirtySyncCount());
        r.put("postcopy-requests", s.postcopy().requests());
        r.put("page-size", 4096L);
        r.put("multifd-bytes", s.multifdBytes());
        r.put("pages-per-second", 0L);
        r.put("precopy-bytes", s.ramTransferred() - s.pauseBytes());
        r.put("downtime-bytes", s.pauseBytes());
        r.put("postcopy-bytes", s.postcopy().bytes());
        r.put("dirty-sync-missed-zero-copy", 0L);
        return r;
    }
}
