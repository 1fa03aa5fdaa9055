package dev.tern.kernel.ft;

import dev.tern.kernel.machine.HeldOutputLimits;
import dev.tern.kernel.ram.RamRecord;
import dev.tern.spi.device.OutputKind;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code --ft} option: {@code primary,peer=URI,password-file=F[,interval=50ms][,timeout=200ms]
 * [,handshake-timeout=10s][,output-commit=serial,net,blk][,output-latency=10ms][,sync-bandwidth=100M]} or
 * {@code standby,listen=URI,password-file=F[,timeout=...][,handshake-timeout=...][,reprotect=URI[,interval=...]
 * [,output-commit=...][,output-latency=...]]}. The heartbeat timeout defaults to four
 * checkpoint intervals; a standby without its own {@code timeout} adopts the primary's. Each side
 * bounds its handshake by its own {@code handshake-timeout}. The kinds
 * of output the primary commits are all three by default ({@code output-commit=none}: none); as
 * the option's items are separated by commas too, every item after {@code output-commit=} that is
 * an output kind belongs to it; the same holds for {@code codecs=}, whose items are page codec
 * plugin ids.
 *
 * @param role which side this process is
 * @param address the standby's address (primary: where to connect; standby: where to listen)
 * @param secret the shared secret (the password file's bytes, a trailing newline removed)
 * @param interval time between checkpoint starts (primary)
 * @param timeout how long without any message from the peer means it is lost; null: the default
 * @param handshakeTimeout how long this side's handshake (WELCOME to ACCEPTED) may take before it
 *        closes the connection; null: the default, {@link #effectiveHandshakeTimeout()}
 * @param outputCommit the output kinds the primary holds until a checkpoint covering them is acknowledged
 * @param outputLatency how soon after held output a checkpoint is forced (primary; at most the interval)
 * @param fencing what keeps both sides from running the guest after a partition: a witness
 *        ({@code witness=URI}), a lease file ({@code lease=file:PATH}), or none, which must be asked
 *        for ({@code fencing=none})
 * @param precopy the full sync sends pre-copy rounds while the guest runs and stops it only for the
 *        last round's pages ({@code full-sync=precopy}, the default), or copies all of RAM in one stop
 *        ({@code full-sync=stop})
 * @param reprotect standby: once it took over, the address of the standby that protects the guest
 *        from then on (the interval and output settings then apply to it); null: it runs unprotected
 * @param syncBandwidth bytes per second the full sync's pre-copy rounds may use ({@code sync-bandwidth=},
 *        with K/M/G suffixes), 0 for no limit; the last round and the checkpoints are never held back
 * @param codecs the page codecs the primary offers for checkpoint pages, by plugin id ({@code codecs=},
 *        {@code none} for an empty list); null: every installed delta codec (a page cache of what the
 *        standby holds)
 * @param cacheSize bytes of a delta codec's page cache ({@code cache-size=}); 0: the default,
 *        {@link #DEFAULT_CACHE_SIZE} or the guest's writable RAM if smaller
 * @param releaseStep how many outputs the primary delivers between two RELEASED reports while it
 *        delivers a checkpoint's batch ({@code release-step=}, 1..{@link #MAX_RELEASE_STEP}): a
 *        standby taking over repeats at most this many outputs the primary had delivered
 * @param heldOutput how much held output the primary holds undelivered before its guest waits, and
 *        the standby keeps ({@code held-batches=}, {@code held-bytes=}), and the epoch that forces a
 *        checkpoint ({@code epoch-bytes=}); both sides must give the same batches and bytes (the
 *        handshake compares them)
 */
public record FtConfig(FtRole role, String address, byte[] secret, Duration interval, Duration timeout,
        Duration handshakeTimeout, Set<OutputKind> outputCommit, Duration outputLatency, Fencing fencing,
        boolean precopy, String reprotect, long syncBandwidth, List<String> codecs, long cacheSize,
        int releaseStep, HeldOutputLimits heldOutput) {

    /** The default checkpoint interval. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(50);
    /** Bounds of the interval and the timeout: a checkpoint every millisecond at most, and one an hour. */
    static final Duration MIN = Duration.ofMillis(1);
    static final Duration MAX = Duration.ofHours(1);
    /** The lowest {@code sync-bandwidth}: one full-size part (1 MiB) a second. */
    static final long MIN_SYNC_BANDWIDTH = 1 << 20;
    /** The default page cache of a delta codec (migration's default xbzrle-cache-size). */
    public static final long DEFAULT_CACHE_SIZE = 64L << 20;
    /** A page codec id longer than this is not one (the handshake carries it in a u8-length field). */
    static final int MAX_CODEC_ID = 64;
    /** A password file larger than this is not a password. */
    static final int MAX_SECRET = 4096;

    /**
     * The default outputs delivered between two RELEASED reports — one, the least window a sink
     * that takes no part in the protocol allows (docs/protocols/ft.md, "Output commit"): a 17-byte
     * frame per delivered output — and the largest step allowed.
     */
    public static final int DEFAULT_RELEASE_STEP = 1;
    static final int MAX_RELEASE_STEP = 1 << 16;

    /**
     * The least default handshake bound: the handshake is the first work of a freshly started JVM
     * (class loading, the first HMAC, describing the machine), which a loaded host can stretch to
     * seconds; a heartbeat timeout of a few intervals would end it.
     */
    public static final Duration MIN_DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    /** The default bound on how long held output waits for its checkpoint to start. */
    public static final Duration DEFAULT_OUTPUT_LATENCY = Duration.ofMillis(10);

    private static final Set<String> PRIMARY_KEYS = Set.of("peer", "password-file", "interval", "timeout",
            "handshake-timeout", "output-commit", "output-latency", "witness", "lease", "fencing", "full-sync", "sync-bandwidth",
            "codecs", "cache-size", "release-step", "held-batches", "held-bytes", "epoch-bytes");
    private static final Set<String> STANDBY_KEYS = Set.of("listen", "password-file", "timeout", "handshake-timeout",
            "witness", "lease", "fencing", "reprotect", "interval", "output-commit", "output-latency", "full-sync", "sync-bandwidth",
            "codecs", "cache-size", "release-step", "held-batches", "held-bytes", "epoch-bytes");
    /** The standby's keys that configure the primary it becomes: meaningless without {@code reprotect=}. */
    private static final Set<String> SUCCESSOR_KEYS = Set.of("interval", "output-commit", "output-latency", "full-sync",
            "sync-bandwidth", "codecs", "cache-size", "release-step", "epoch-bytes");

    public FtConfig {
        secret = secret.clone();
        outputCommit = outputCommit.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(outputCommit));
        codecs = codecs == null ? null : List.copyOf(codecs);
        if (cacheSize != 0 && cacheSize < 4096) {
            throw new IllegalArgumentException("--ft: cache-size=" + cacheSize + " is less than one page (4096 bytes)");
        }
        if (releaseStep < 1 || releaseStep > MAX_RELEASE_STEP) {
            throw new IllegalArgumentException("--ft: release-step=" + releaseStep + " is not within 1.." + MAX_RELEASE_STEP);
        }
        java.util.Objects.requireNonNull(heldOutput, "heldOutput");
        java.util.Objects.requireNonNull(fencing, "fencing");
    }

    /** The heartbeat timeout in force: the configured one, else four intervals. */
    public Duration effectiveTimeout() {
        return timeout != null ? timeout : interval.multipliedBy(4);
    }

    /**
     * The handshake bound in force: the configured one, else the heartbeat timeout but at least
     * {@link #MIN_DEFAULT_HANDSHAKE_TIMEOUT} (with the default heartbeat timeout: max(4 × interval, 10 s)).
     */
    public Duration effectiveHandshakeTimeout() {
        if (handshakeTimeout != null) {
            return handshakeTimeout;
        }
        Duration t = effectiveTimeout();
        return t.compareTo(MIN_DEFAULT_HANDSHAKE_TIMEOUT) > 0 ? t : MIN_DEFAULT_HANDSHAKE_TIMEOUT;
    }

    /** The shared secret (a copy). */
    @Override
    public byte[] secret() {
        return secret.clone();
    }

    /**
     * Parses the option text; relative password files resolve against the working directory.
     *
     * @throws IllegalArgumentException naming the key or value that is wrong
     */
    public static FtConfig parse(String text) {
        String[] parts = text.split(",", -1);
        FtRole role = switch (parts[0]) {
            case "primary" -> FtRole.PRIMARY;
            case "standby" -> FtRole.STANDBY;
            default -> throw new IllegalArgumentException("--ft: the first item must be primary or standby, not '"
                    + parts[0] + "'");
        };
        Set<String> allowed = role == FtRole.PRIMARY ? PRIMARY_KEYS : STANDBY_KEYS;
        Map<String, String> kv = new LinkedHashMap<>();
        String lastKey = "";
        for (String p : Arrays.asList(parts).subList(1, parts.length)) {
            if ((lastKey.equals("output-commit") || lastKey.equals("codecs")) && p.indexOf('=') < 0) {
                kv.merge(lastKey, p, (a, b) -> a + "," + b); // output-commit=serial,net,blk, codecs=xbzrle,lz4
                continue;
            }
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--ft: '" + p + "' is not KEY=VALUE");
            }
            String key = p.substring(0, eq);
            if (!allowed.contains(key)) {
                throw new IllegalArgumentException("--ft " + role.label() + ": unknown key '" + key + "' (known: "
                        + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
            if (kv.put(key, p.substring(eq + 1)) != null) {
                throw new IllegalArgumentException("--ft: key '" + key + "' given twice");
            }
            lastKey = key;
        }
        String addressKey = role == FtRole.PRIMARY ? "peer" : "listen";
        String address = require(kv, addressKey);
        byte[] secret = readSecret(Path.of(require(kv, "password-file")));
        Duration interval = kv.containsKey("interval") ? duration("interval", kv.get("interval")) : DEFAULT_INTERVAL;
        Duration timeout = kv.containsKey("timeout") ? duration("timeout", kv.get("timeout")) : null;
        Duration handshakeTimeout = kv.containsKey("handshake-timeout")
                ? duration("handshake-timeout", kv.get("handshake-timeout")) : null;
        Set<OutputKind> commit = kv.containsKey("output-commit") ? outputKinds(kv.get("output-commit"))
                : EnumSet.allOf(OutputKind.class);
        Duration latency = kv.containsKey("output-latency") ? duration("output-latency", kv.get("output-latency"))
                : DEFAULT_OUTPUT_LATENCY;
        String reprotect = kv.get("reprotect");
        if (reprotect != null && reprotect.isEmpty()) {
            throw new IllegalArgumentException("--ft: reprotect= needs the address of the next standby");
        }
        if (role == FtRole.STANDBY && reprotect == null) {
            for (String k : kv.keySet()) {
                if (SUCCESSOR_KEYS.contains(k)) {
                    throw new IllegalArgumentException("--ft standby: " + k + "= applies to the primary a standby becomes"
                            + " when it protects the guest after taking over; it needs reprotect=URI");
                }
            }
        }
        boolean precopy = switch (kv.getOrDefault("full-sync", "precopy")) {
            case "precopy" -> true;
            case "stop" -> false;
            default -> throw new IllegalArgumentException("--ft: full-sync='" + kv.get("full-sync")
                    + "' is neither precopy nor stop");
        };
        long syncBandwidth = kv.containsKey("sync-bandwidth") ? bandwidth(kv.get("sync-bandwidth")) : 0;
        List<String> codecs = kv.containsKey("codecs") ? codecs(kv.get("codecs")) : null;
        long cacheSize = kv.containsKey("cache-size") ? cacheSize(kv.get("cache-size")) : 0;
        int releaseStep = kv.containsKey("release-step") ? releaseStep(kv.get("release-step")) : DEFAULT_RELEASE_STEP;
        HeldOutputLimits heldOutput = heldOutput(kv);
        Fencing fencing = fencing(kv); // last: a missing lease is named once the rest is right
        return new FtConfig(role, address, secret, interval, timeout, handshakeTimeout, commit, latency, fencing,
                precopy, reprotect, syncBandwidth, codecs, cacheSize, releaseStep, heldOutput);
    }

    /**
     * The configuration of the primary this standby becomes once it took over: protected by a
     * standby at {@link #reprotect()}, with this standby's interval and output settings, its
     * timeout or else the one its primary used ({@code adoptedTimeout}), and the same witness.
     *
     * @throws IllegalStateException on a primary's configuration, or a standby's without {@code reprotect=}
     */
    public FtConfig successor(Duration adoptedTimeout) {
        if (role != FtRole.STANDBY || reprotect == null) {
            throw new IllegalStateException("only a standby with reprotect= becomes a protected primary");
        }
        return new FtConfig(FtRole.PRIMARY, reprotect, secret, interval, timeout != null ? timeout : adoptedTimeout,
                handshakeTimeout, outputCommit, outputLatency, fencing, precopy, null, syncBandwidth, codecs,
                cacheSize, releaseStep, heldOutput);
    }

    /** {@code codecs=}: {@code none}, or page codec plugin ids separated by commas, each once. */
    static List<String> codecs(String text) {
        if (text.equals("none")) {
            return List.of();
        }
        List<String> ids = new ArrayList<>();
        for (String id : text.split(",", -1)) {
            if (id.isEmpty() || id.length() > MAX_CODEC_ID || !id.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
                throw new IllegalArgumentException("--ft: codecs: '" + id + "' is not a page codec id (1.." + MAX_CODEC_ID
                        + " printable ASCII characters), or none");
            }
            if (ids.contains(id)) {
                throw new IllegalArgumentException("--ft: codecs names '" + id + "' twice");
            }
            ids.add(id);
        }
        if (ids.size() > RamRecord.MAX_CODECS) {
            throw new IllegalArgumentException("--ft: codecs names " + ids.size() + " codecs, more than "
                    + RamRecord.MAX_CODECS);
        }
        return List.copyOf(ids);
    }

    /** {@code cache-size=}: bytes, with size suffixes (e.g. 16M); at least one page. */
    static long cacheSize(String text) {
        long v;
        try {
            v = (Long) dev.tern.spi.ConfigType.SIZE.parse(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--ft: cache-size='" + text + "' is not a size in bytes (e.g. 16M)", e);
        }
        if (v < 4096) {
            throw new IllegalArgumentException("--ft: cache-size='" + text + "' is less than one page (4096 bytes)");
        }
        return v;
    }

    /** {@code release-step=}: a whole number of outputs, 1..{@link #MAX_RELEASE_STEP}. */
    static int releaseStep(String text) {
        try {
            int v = Integer.parseInt(text);
            if (v >= 1 && v <= MAX_RELEASE_STEP) {
                return v;
            }
        } catch (NumberFormatException e) {
            // the message below names it
        }
        throw new IllegalArgumentException("--ft: release-step='" + text + "' is not a whole number of outputs within 1.."
                + MAX_RELEASE_STEP);
    }

    /**
     * {@code held-batches=}, {@code held-bytes=}, {@code epoch-bytes=}: each absent one at its
     * default ({@link HeldOutputLimits#DEFAULT}; the epoch a quarter of the held bytes).
     */
    static HeldOutputLimits heldOutput(Map<String, String> kv) {
        var dflt = HeldOutputLimits.DEFAULT;
        int batches = kv.containsKey("held-batches") ? heldBatches(kv.get("held-batches")) : dflt.batches();
        long bytes = kv.containsKey("held-bytes")
                ? size("held-bytes", kv.get("held-bytes"), 1, HeldOutputLimits.MAX_BYTES, "32M") : dflt.bytes();
        if (!kv.containsKey("epoch-bytes")) {
            return new HeldOutputLimits(batches, bytes);
        }
        long epoch = size("epoch-bytes", kv.get("epoch-bytes"), 1, HeldOutputLimits.MAX_EPOCH_BYTES, "8M");
        if (epoch > bytes) {
            // an epoch is sealed into a batch: one larger than the limit of all batches would pause the guest at once
            throw new IllegalArgumentException("--ft: epoch-bytes=" + kv.get("epoch-bytes") + " (" + epoch
                    + " bytes) is more than held-bytes (" + bytes + " bytes): an epoch is part of the held output");
        }
        return new HeldOutputLimits(batches, bytes, epoch);
    }

    /** {@code held-batches=}: a whole number of batches, 1..{@link HeldOutputLimits#MAX_BATCHES}. */
    static int heldBatches(String text) {
        try {
            int v = Integer.parseInt(text);
            if (v >= 1 && v <= HeldOutputLimits.MAX_BATCHES) {
                return v;
            }
        } catch (NumberFormatException e) {
            // the message below names it
        }
        throw new IllegalArgumentException("--ft: held-batches='" + text + "' is not a whole number of batches within 1.."
                + HeldOutputLimits.MAX_BATCHES);
    }

    /** A size in bytes with the size suffixes (K, M, G) within {@code min..max}, for key {@code key}. */
    static long size(String key, String text, long min, long max, String example) {
        long v;
        try {
            v = (Long) dev.tern.spi.ConfigType.SIZE.parse(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--ft: " + key + "='" + text + "' is not a size in bytes (e.g. " + example
                    + ")", e);
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException("--ft: " + key + "='" + text + "' is not within " + min + ".." + max
                    + " bytes");
        }
        return v;
    }

    /** {@code sync-bandwidth=}: bytes per second, with the size suffixes of migration's max-bandwidth. */
    static long bandwidth(String text) {
        try {
            long v = (Long) dev.tern.spi.ConfigType.SIZE.parse(text);
            if (v == 0 || v >= MIN_SYNC_BANDWIDTH) {
                return v;
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--ft: sync-bandwidth='" + text + "' is not a rate in bytes per second"
                    + " (e.g. 100M; 0 for no limit)", e);
        }
        // a 1 MiB part per second at least: slower, the standby's silence limit could end a sync that is on its way
        throw new IllegalArgumentException("--ft: sync-bandwidth='" + text + "' is below 1M (bytes per second), the"
                + " least that keeps the full sync's parts inside the standby's silence limit; 0 for no limit");
    }

    /**
     * {@code witness=}, {@code lease=} or {@code fencing=none}: exactly one. An unfenced pair runs the
     * guest on both sides after a partition (the "never both"), so it is never the default:
     * the operator accepts it in so many words.
     */
    static Fencing fencing(Map<String, String> kv) {
        String witness = kv.get("witness");
        if (witness != null && witness.isEmpty()) {
            throw new IllegalArgumentException("--ft: witness= needs the witness's address");
        }
        Path leaseFile = leaseFile(kv.get("lease"));
        String none = kv.get("fencing");
        if (none != null && !none.equals("none")) {
            throw new IllegalArgumentException("--ft: fencing='" + none + "' is not none (fencing=none runs the pair"
                    + " without a lease; for a lease give witness=URI or lease=file:PATH instead)");
        }
        List<String> given = new ArrayList<>();
        if (witness != null) {
            given.add("witness=");
        }
        if (leaseFile != null) {
            given.add("lease=");
        }
        if (none != null) {
            given.add("fencing=none");
        }
        if (given.size() > 1) {
            throw new IllegalArgumentException("--ft: " + String.join(" and ", given)
                    + " each name the fencing; give one");
        }
        if (witness != null) {
            return new Fencing.Witness(witness);
        }
        if (leaseFile != null) {
            return new Fencing.LeaseFile(leaseFile);
        }
        if (none == null) {
            throw new IllegalArgumentException("--ft: no fencing: give witness=URI (a tern witness) or lease=file:PATH"
                    + " (a file both sides lock) on both sides, or fencing=none to accept that a partition can make"
                    + " both sides run the guest");
        }
        return new Fencing.None();
    }

    /** {@code lease=file:PATH}: the path (relative to the working directory); null when absent. */
    static Path leaseFile(String text) {
        if (text == null) {
            return null;
        }
        if (!text.startsWith("file:") || text.length() == "file:".length()) {
            throw new IllegalArgumentException("--ft: lease='" + text + "' is not file:PATH (a file both sides lock;"
                    + " for a witness process use witness=URI)");
        }
        return Path.of(text.substring("file:".length()));
    }

    /** {@code none}, or output kinds separated by commas, each once. */
    static Set<OutputKind> outputKinds(String text) {
        if (text.equals("none")) {
            return Set.of();
        }
        Set<OutputKind> kinds = EnumSet.noneOf(OutputKind.class);
        for (String k : text.split(",", -1)) {
            try {
                if (!kinds.add(OutputKind.of(k))) {
                    throw new IllegalArgumentException("--ft: output-commit names '" + k + "' twice");
                }
            } catch (IllegalArgumentException e) {
                throw e.getMessage().startsWith("--ft") ? e
                        : new IllegalArgumentException("--ft: output-commit: " + e.getMessage() + ", or none");
            }
        }
        return kinds;
    }

    private static String require(Map<String, String> kv, String key) {
        String v = kv.get(key);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("--ft: missing " + key + "=...");
        }
        return v;
    }

    /** {@code 50ms}, {@code 2s} or a bare number of milliseconds, within [1 ms, 1 h]. */
    static Duration duration(String key, String text) {
        Duration d;
        try {
            if (text.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
            } else if (text.endsWith("s")) {
                d = Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
            } else {
                d = Duration.ofMillis(Long.parseLong(text));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--ft: " + key + "='" + text + "' is not a duration (e.g. 50ms, 2s)");
        }
        if (d.compareTo(MIN) < 0 || d.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("--ft: " + key + "=" + text + " is not within 1ms..1h");
        }
        return d;
    }

    /** Reads a password file: its bytes, trailing newlines removed; 1..4096 bytes. */
    public static byte[] readSecret(Path file) {
        byte[] b;
        try {
            if (Files.size(file) > MAX_SECRET) {
                throw new IllegalArgumentException("--ft: password-file " + file + " is larger than " + MAX_SECRET
                        + " bytes");
            }
            b = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("--ft: cannot read password-file " + file + ": " + e.getMessage());
        }
        int n = b.length;
        while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r')) {
            n--;
        }
        if (n == 0) {
            throw new IllegalArgumentException("--ft: password-file " + file + " is empty");
        }
        return Arrays.copyOf(b, n);
    }
}
