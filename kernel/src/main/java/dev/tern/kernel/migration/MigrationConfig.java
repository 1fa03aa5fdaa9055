package dev.tern.kernel.migration;

import dev.tern.spi.ConfigType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Capabilities and parameters of migrations, with QEMU's names. Immutable: {@link #with} returns a
 * changed copy, so a running migration keeps the settings it started with (except
 * {@code max-bandwidth}, which {@link MigrationSource#setMaxBandwidth} may change live).
 *
 * @param xbzrle send XBZRLE deltas of re-dirtied pages against a sender-side page cache
 * @param autoConverge throttle the guest's vCPUs when the dirty rate outruns the link (starting at
 *                     {@link #THROTTLE_INITIAL} %, raised by {@link #THROTTLE_INCREMENT} %)
 * @param events announce every status change (the CLI prints them)
 * @param maxBandwidth bytes per second on the wire, 0 for no limit
 * @param downtimeLimitMs switch over once the remaining pages are expected to take at most this long
 * @param xbzrleCacheSize bytes of the XBZRLE page cache
 * @param compression the id of a page codec plugin for pages XBZRLE cannot help with (e.g. {@code lz4}),
 *                    or {@code none}; whether a plugin of that id is installed is checked when a
 *                    migration starts
 * @param timeoutMs give up (the guest runs on) when not converged after this long, 0 for never
 * @param multifd send RAM pages over {@code multifdChannels} extra connections of the same transport
 *                (docs/protocols/multifd.md); tcp and unix only
 * @param multifdChannels how many extra connections multifd opens, 1..{@link #MAX_MULTIFD_CHANNELS}
 * @param postcopyRam allow {@link MigrationSource#startPostcopy()}: the destination runs the guest
 *                    at once and fetches the pages it still lacks (docs/protocols/migration.md,
 *                    "Post-copy"); tcp and unix without multifd
 * @param blockMigration also copy every offered disk image to the destination while the guest runs
 *                       (QEMU's {@code block-migration}, {@code migrate -b}): for disks not on shared
 *                       storage (docs/protocols/migration.md, "Block migration")
 */
public record MigrationConfig(boolean xbzrle, boolean autoConverge, boolean events, long maxBandwidth,
        long downtimeLimitMs, long xbzrleCacheSize, String compression, long timeoutMs, boolean multifd,
        int multifdChannels, boolean postcopyRam, boolean blockMigration) {

    /** Most multifd channels one migration may open. */
    public static final int MAX_MULTIFD_CHANNELS = 16;

    /** QEMU's defaults (2 multifd channels once multifd is on), with no bandwidth limit. */
    public static final MigrationConfig DEFAULT = new MigrationConfig(false, false, false, 0, 300, 64L << 20,
            "none", 0, false, 2, false, false);

    /** The settings before block migration, block migration off. */
    public MigrationConfig(boolean xbzrle, boolean autoConverge, boolean events, long maxBandwidth,
            long downtimeLimitMs, long xbzrleCacheSize, String compression, long timeoutMs, boolean multifd,
            int multifdChannels, boolean postcopyRam) {
        this(xbzrle, autoConverge, events, maxBandwidth, downtimeLimitMs, xbzrleCacheSize, compression, timeoutMs,
                multifd, multifdChannels, postcopyRam, false);
    }

    /** The settings before post-copy, post-copy off. */
    public MigrationConfig(boolean xbzrle, boolean autoConverge, boolean events, long maxBandwidth,
            long downtimeLimitMs, long xbzrleCacheSize, String compression, long timeoutMs, boolean multifd,
            int multifdChannels) {
        this(xbzrle, autoConverge, events, maxBandwidth, downtimeLimitMs, xbzrleCacheSize, compression, timeoutMs,
                multifd, multifdChannels, false, false);
    }

    /** The settings of QEMU's first eight, multifd off. */
    public MigrationConfig(boolean xbzrle, boolean autoConverge, boolean events, long maxBandwidth,
            long downtimeLimitMs, long xbzrleCacheSize, String compression, long timeoutMs) {
        this(xbzrle, autoConverge, events, maxBandwidth, downtimeLimitMs, xbzrleCacheSize, compression, timeoutMs,
                false, 2, false, false);
    }

    /** Auto-converge's first vCPU throttle, percent of time stopped (QEMU's cpu-throttle-initial). */
    public static final int THROTTLE_INITIAL = 20;
    /** What auto-converge adds each time the guest still outruns the link (QEMU's cpu-throttle-increment). */
    public static final int THROTTLE_INCREMENT = 10;

    /** The capability names of {@code migrate_set_capability}. */
    public static final List<String> CAPABILITIES = List.of("xbzrle", "auto-converge", "events", "multifd",
            "postcopy-ram", "block-migration");
    /** The parameter names of {@code migrate_set_parameter}. */
    public static final List<String> PARAMETERS = List.of("max-bandwidth", "downtime-limit", "xbzrle-cache-size",
            "compression", "timeout", "multifd-channels");

    public MigrationConfig {
        if (maxBandwidth < 0) {
            throw new IllegalArgumentException("max-bandwidth must be >= 0, was " + maxBandwidth);
        }
        if (downtimeLimitMs < 1 || downtimeLimitMs > 2_000_000) {
            throw new IllegalArgumentException("downtime-limit must be 1..2000000 ms, was " + downtimeLimitMs);
        }
        if (xbzrleCacheSize < 4096) {
            throw new IllegalArgumentException("xbzrle-cache-size must be at least one page (4096), was " + xbzrleCacheSize);
        }
        if (!compression.matches("[a-z0-9][a-z0-9._-]{0,63}")) {
            throw new IllegalArgumentException("compression must be none or a page codec id (a-z, 0-9, '.', '_',"
                    + " '-'), was '" + compression + "'");
        }
        if (timeoutMs < 0) {
            throw new IllegalArgumentException("timeout must be >= 0 ms, was " + timeoutMs);
        }
        if (multifdChannels < 1 || multifdChannels > MAX_MULTIFD_CHANNELS) {
            throw new IllegalArgumentException("multifd-channels must be 1.." + MAX_MULTIFD_CHANNELS + ", was "
                    + multifdChannels);
        }
    }

    /** This configuration with capability {@code name} switched {@code on}. */
    public MigrationConfig withCapability(String name, boolean on) {
        return switch (name) {
            case "xbzrle" -> new MigrationConfig(on, autoConverge, events, maxBandwidth, downtimeLimitMs,
                    xbzrleCacheSize, compression, timeoutMs, multifd, multifdChannels, postcopyRam, blockMigration);
            case "auto-converge" -> new MigrationConfig(xbzrle, on, events, maxBandwidth, downtimeLimitMs,
                    xbzrleCacheSize, compression, timeoutMs, multifd, multifdChannels, postcopyRam, blockMigration);
            case "events" -> new MigrationConfig(xbzrle, autoConverge, on, maxBandwidth, downtimeLimitMs,
                    xbzrleCacheSize, compression, timeoutMs, multifd, multifdChannels, postcopyRam, blockMigration);
            case "multifd" -> new MigrationConfig(xbzrle, autoConverge, events, maxBandwidth, downtimeLimitMs,
                    xbzrleCacheSize, compression, timeoutMs, on, multifdChannels, postcopyRam, blockMigration);
            case "postcopy-ram" -> new MigrationConfig(xbzrle, autoConverge, events, maxBandwidth, downtimeLimitMs,
                    xbzrleCacheSize, compression, timeoutMs, multifd, multifdChannels, on, blockMigration);
            case "block-migration" -> new MigrationConfig(xbzrle, autoConverge, events, maxBandwidth, downtimeLimitMs,
                    xbzrleCacheSize, compression, timeoutMs, multifd, multifdChannels, postcopyRam, on);
            default -> throw new IllegalArgumentException("unknown capability '" + name + "'; known: "
                    + String.join(", ", CAPABILITIES));
        };
    }

    /**
     * This configuration with parameter {@code name} set from its text: sizes and bandwidth take
     * suffixes ({@code 32M}), times are milliseconds.
     */
    public MigrationConfig with(String name, String value) {
        try {
            return switch (name) {
                case "max-bandwidth" -> new MigrationConfig(xbzrle, autoConverge, events, size(value),
                        downtimeLimitMs, xbzrleCacheSize, compression, timeoutMs, multifd, multifdChannels, postcopyRam, blockMigration);
                case "downtime-limit" -> new MigrationConfig(xbzrle, autoConverge, events, maxBandwidth,
                        number(value), xbzrleCacheSize, compression, timeoutMs, multifd, multifdChannels, postcopyRam, blockMigration);
                case "xbzrle-cache-size" -> new MigrationConfig(xbzrle, autoConverge, events, maxBandwidth,
                        downtimeLimitMs, size(value), compression, timeoutMs, multifd, multifdChannels, postcopyRam, blockMigration);
                case "compression" -> new MigrationConfig(xbzrle, autoConverge, events, maxBandwidth,
                        downtimeLimitMs, xbzrleCacheSize, value.toLowerCase(Locale.ROOT), timeoutMs, multifd,
                        multifdChannels, postcopyRam, blockMigration);
                case "timeout" -> new MigrationConfig(xbzrle, autoConverge, events, maxBandwidth, downtimeLimitMs,
                        xbzrleCacheSize, compression, number(value), multifd, multifdChannels, postcopyRam, blockMigration);
                case "multifd-channels" -> new MigrationConfig(xbzrle, autoConverge, events, maxBandwidth,
                        downtimeLimitMs, xbzrleCacheSize, compression, timeoutMs, multifd, channels(value), postcopyRam, blockMigration);
                default -> throw new IllegalArgumentException("unknown parameter '" + name + "'; known: "
                        + String.join(", ", PARAMETERS));
            };
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("migration parameter " + name + "=" + value + ": " + e.getMessage(), e);
        }
    }

    /** Capability name to state, in {@link #CAPABILITIES} order. */
    public Map<String, Boolean> capabilities() {
        Map<String, Boolean> m = new LinkedHashMap<>();
        m.put("xbzrle", xbzrle);
        m.put("auto-converge", autoConverge);
        m.put("events", events);
        m.put("multifd", multifd);
        m.put("postcopy-ram", postcopyRam);
        m.put("block-migration", blockMigration);
        return m;
    }

    /** Parameter name to text, in {@link #PARAMETERS} order. */
    public Map<String, String> parameters() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("max-bandwidth", maxBandwidth == 0 ? "0 (unlimited)" : maxBandwidth + " bytes/second");
        m.put("downtime-limit", downtimeLimitMs + " ms");
        m.put("xbzrle-cache-size", xbzrleCacheSize + " bytes");
        m.put("compression", compression);
        m.put("timeout", timeoutMs == 0 ? "0 (none)" : timeoutMs + " ms");
        m.put("multifd-channels", Integer.toString(multifdChannels));
        return m;
    }

    private static long size(String text) {
        return (Long) ConfigType.SIZE.parse(text);
    }

    /** A channel count; out-of-int values are kept out of range so the check names them. */
    private static int channels(String text) {
        return (int) Math.clamp(number(text), 0L, Integer.MAX_VALUE);
    }

    private static long number(String text) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number");
        }
    }
}
