package dev.tern.kernel.migration;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.ram.PageSet;
import dev.tern.kernel.ram.RamSender;
import dev.tern.kernel.state.SavedStateWriter;
import dev.tern.spi.memory.GuestMemory;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * The round driver of a pre-copy migration: sends a round of pages while the guest runs, syncs the
 * dirty log, estimates the switch-over pause ({@link DowntimeEstimate}), and goes again until the
 * {@link SwitchOverRule} says to pause. Owns the wire-bandwidth measure, the {@code max-bandwidth}
 * pacing and auto-converge (QEMU's rule).
 */
final class PreCopyRounds {

    private static final int PAGE = GuestMemory.PAGE_SIZE;

    /** What the rounds must check between parts: a cancel, the time-out, a one-sided round's answer. */
    interface Checks {
        void between() throws MigrationException;

        /** Waits out {@code nanos} of pacing, ended early by a cancel. */
        void pace(long nanos) throws MigrationException;

        /** After a round: wait for the destination when it must not be outrun (one-sided RAM). */
        void roundSent() throws IOException;
    }

    private final Machine machine;
    private final RamSender ram;
    private final SavedStateWriter stream;
    private final MigrationConfig config;
    private final LongSupplier sentBytes;
    private final Checks checks;
    private final VcpuThrottle throttle;
    private final List<DowntimeEstimate> estimates = new CopyOnWriteArrayList<>();
    private final Runnable progress;
    private volatile long maxBandwidth;
    private volatile boolean switchRequested;
    private volatile double bandwidth;
    private volatile long dirtyPagesRate;
    private volatile long dirtySyncCount;
    private long deviceBytes;
    private long deviceNanos;
    private int highDirtyRounds;
    private long transferNanos;
    private long transferBytes;
    private int roundsSent;
    private DeviceProbe deviceProbe;
    private final SwitchOverRule rule;
    private BlockMigration blocks = BlockMigration.NONE;

    PreCopyRounds(Machine machine, RamSender ram, SavedStateWriter stream, MigrationConfig config,
            LongSupplier sentBytes, Checks checks, Runnable progress) {
        this.rule = new SwitchOverRule(config.downtimeLimitMs());
        this.machine = machine;
        this.ram = ram;
        this.stream = stream;
        this.config = config;
        this.sentBytes = sentBytes;
        this.checks = checks;
        this.progress = progress;
        this.maxBandwidth = config.maxBandwidth();
        this.throttle = config.autoConverge() ? new VcpuThrottle(machine, ram.pageCount()) : null;
    }

    /** Encodes the device state as the switch-over will, with the vCPUs stopped, and says what it took. */
    @FunctionalInterface
    interface DeviceProbe {
        /** The stream's size in bytes and the nanoseconds its encoding took. */
        DeviceSample measure() throws IOException;
    }

    /** One measure of the device state stream. */
    record DeviceSample(long bytes, long nanos) { }

    /**
     * What the estimate counts besides the pages: the device state's size and what encoding it took,
     * from a {@code first} measure taken by the caller (in a rendezvous it needs anyway); measured again while that cost alone keeps the estimate
     * above a quarter of the limit (a cold JVM's first encode can take longer than the whole limit;
     * the fastest measure is the one the warm switch-over will see).
     */
    void expect(DeviceProbe probe, DeviceSample first) {
        this.deviceProbe = probe;
        this.deviceBytes = first.bytes();
        this.deviceNanos = first.nanos();
    }

    /**
     * Ends the rounds early (post-copy's switch-over, asked for at any time): the round under way
     * stops after its current part and {@link #run} returns the pages dirty until then; the pages
     * the round had left are still in the {@link RamSender}'s round.
     */
    void requestSwitchOver() {
        switchRequested = true;
    }

    /** Sends {@code disks}' rounds interleaved with RAM's and counts their dirty blocks in the estimate. */
    void alsoSend(BlockMigration disks) {
        this.blocks = disks;
    }

    void setMaxBandwidth(long bytesPerSecond) {
        maxBandwidth = bytesPerSecond;
    }

    /**
     * Runs rounds — the first is the RAM stream's own pass over every page, begun by its setup —
     * until the {@link SwitchOverRule} says to pause; returns the pages dirty since the last round.
     */
    PageSet run() throws IOException, MigrationException {
        long lastSync = System.nanoTime();
        while (true) {
            var event = new MigrationRoundEvent();
            event.begin();
            long sentBefore = sentBytes.getAsLong();
            sendRound();
            long now = System.nanoTime();
            PageSet next = sync();
            long dirty = next.count();
            autoConverge(dirty, sentBytes.getAsLong() - sentBefore);
            dirtyPagesRate = (long) (dirty * 1e9 / Math.max(1, now - lastSync));
            lastSync = now;
            DowntimeEstimate estimate = estimate(dirty);
            if (!estimate.fits(config.downtimeLimitMs()) && deviceNanos > config.downtimeLimitMs() * 250_000L) {
                remeasureDevices();
                estimate = estimate(dirty);
            }
            estimates.add(estimate);
            boolean switchNow = rule.switchNow(estimates) || switchRequested;
            traceRound(event, estimate, sentBefore, dirty, switchNow);
            if (switchNow) {
                return next;
            }
            checks.between();
            ram.beginRound(next);
        }
    }

    private void traceRound(MigrationRoundEvent event, DowntimeEstimate estimate, long sentBefore, long dirty,
            boolean switchNow) {
        event.end();
        if (event.shouldCommit()) {
            event.round = estimate.round();
            event.sentBytes = sentBytes.getAsLong() - sentBefore;
            event.dirtyPages = dirty;
            event.estimatedDowntimeMs = estimate.millis();
            event.switchOver = switchNow;
            event.commit();
        }
    }

    private DowntimeEstimate estimate(long dirtyPages) {
        return new DowntimeEstimate(estimates.size() + 1, dirtyPages, ram.counters().bytesPerPage(),
                deviceBytes + blocks.pendingBytes(),
                expectedBandwidth(), new DestinationCost(deviceNanos, ram.counters().nanosPerPage(), 0));
    }

    private void remeasureDevices() throws IOException {
        if (deviceProbe != null) {
            DeviceSample s = deviceProbe.measure();
            deviceBytes = s.bytes();
            deviceNanos = Math.min(deviceNanos, s.nanos());
        }
    }

    private PageSet sync() {
        dirtySyncCount++;
        progress.run(); // progress also tells listeners of each new pass (MIGRATION_PASS)
        PageSet pages = PageSet.of(machine.syncDirtyLog());
        blocks.sync();
        drainThrottle(pages);
        return pages;
    }

    /** Adds the pages the throttle's stops harvested to {@code pages}. */
    void drainThrottle(PageSet pages) {
        if (throttle != null) {
            throttle.drainInto(pages);
        }
    }

    /**
     * Counts a sync made outside the rounds (the switch-over's). Draws no progress: that runs with
     * the guest paused, where drawing and telling listeners of the pass would only lengthen the
     * pause; the migration announces the pass once the pause is over.
     */
    void countSync() {
        dirtySyncCount++;
    }

    private void sendRound() throws IOException, MigrationException {
        long partBytes = maxBandwidth > 0 ? Math.max(64 << 10, maxBandwidth / 20) : 4 << 20;
        long t0 = System.nanoTime();
        long b0 = sentBytes.getAsLong();
        boolean done;
        boolean ramDone = false;
        do {
            if (!ramDone) {
                ramDone = stream.iterateLive(ram, partBytes);
            }
            done = blocks.iterate(stream, partBytes) & ramDone;
            progress.run();
            checks.between();
            pace(t0, b0);
        } while (!done && !switchRequested);
        ram.endRound();
        stream.flush(); // through to the wire: the round's last part may be waited on
        checks.roundSent();
        long elapsed = System.nanoTime() - t0;
        long bytes = sentBytes.getAsLong() - b0;
        if (++roundsSent == 1) {
            // Its whole time: the first pass's page-ns is spread over its zero pages too, so the
            // apply term would not make up for the reading left out of the wire's time.
            bandwidth = bytes * 1e9 / Math.max(1, elapsed);
            return;
        }
        long nanos = wireNanos(elapsed);
        // The first pass is left out from the second round on: it mostly scans RAM (zero pages cost
        // time, not bytes), and on a cold JVM runs interpreted, so its bytes per second say little
        // about the wire the last pages will cross.
        transferNanos += nanos;
        transferBytes += bytes;
        if (transferBytes > 0) {
            bandwidth = transferBytes * 1e9 / Math.max(1, transferNanos);
        }
    }

    /**
     * The part of a later round's {@code elapsed} nanoseconds that the wire took: less the sender's own
     * reading and encoding, which the estimate counts apart (its apply term, page-ns per page).
     * Counted twice, a round of XBZRLE deltas — encoding-bound, a few hundred KB — measured a wire
     * of a few MB/s, and its estimate stayed near twice the round's length: on a busy host the
     * rewriter then iterated for seconds. At least a tenth of the round is left to the wire, so
     * one round with almost no bytes cannot make the wire look unbounded. One-sided RAM's page
     * copies are its wire, so there the whole round counts.
     */
    private long wireNanos(long elapsed) {
        if (ram.oneSided()) {
            return elapsed;
        }
        return Math.max(elapsed / 10, elapsed - ram.counters().roundBusyNanos());
    }

    /** Waits as long as the bytes sent since {@code t0} are ahead of {@code max-bandwidth}. */
    private void pace(long t0, long b0) throws MigrationException {
        long limit = maxBandwidth;
        if (limit <= 0) {
            return;
        }
        long ahead = BandwidthPace.aheadNanos(sentBytes.getAsLong() - b0, System.nanoTime() - t0, limit);
        if (ahead > 0) {
            checks.pace(ahead);
        }
    }

    /**
     * QEMU's rule: when the guest dirtied more than half as many bytes as the round put on the wire,
     * twice in a row, slow its vCPUs down (more).
     */
    private void autoConverge(long dirtyPages, long roundWireBytes) {
        if (throttle == null) {
            return;
        }
        if (dirtyPages * PAGE > roundWireBytes / 2) {
            if (++highDirtyRounds >= 2) {
                throttle.raise(MigrationConfig.THROTTLE_INITIAL, MigrationConfig.THROTTLE_INCREMENT);
                highDirtyRounds = 0;
            }
        } else {
            highDirtyRounds = 0;
        }
    }

    /** Stops the throttle and waits until no throttle stop is in progress. */
    void stopThrottle() throws InterruptedException {
        if (throttle != null) {
            throttle.close();
        }
    }

    /** Bytes per second: as measured, but never above {@code max-bandwidth}. */
    double expectedBandwidth() {
        double bw = bandwidth;
        long max = maxBandwidth;
        if (max > 0) {
            bw = bw <= 0 ? max : Math.min(bw, max);
        }
        return bw;
    }

    SwitchOverRule rule() {
        return rule;
    }

    List<DowntimeEstimate> estimates() {
        return List.copyOf(estimates);
    }

    DowntimeEstimate lastEstimate() {
        return estimates.isEmpty() ? null : estimates.getLast();
    }

    int rounds() {
        return estimates.size();
    }

    double bandwidth() {
        return bandwidth;
    }

    long dirtyPagesRate() {
        return dirtyPagesRate;
    }

    long dirtySyncCount() {
        return dirtySyncCount;
    }

    int throttlePercentage() {
        return throttle == null ? 0 : throttle.percentage();
    }
}
