package dev.tern.kernel.migration;

import dev.tern.kernel.config.ValidatedConfig;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSnapshot;
import dev.tern.kernel.memory.DirtyLog;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.progress.ProgressBar;
import dev.tern.kernel.state.ConfigHeader;
import dev.tern.kernel.state.SavedStateWriter;
import dev.tern.kernel.vm.VmState;
import dev.tern.spi.codec.PageCodecProvider;
import dev.tern.spi.codec.PageEncoder;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.state.StateSection;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.RemoteMemoryConnection;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The sending side of a live migration (iterative pre-copy, as QEMU's RAM migration).
 *
 * <p>Setup enables the dirty log with every page marked and opens the RAM stream. Each round syncs
 * the dirty log and sends those pages while the guest runs; after it the engine syncs again and
 * estimates the switch-over pause from the wire cost of the pages now dirty (bytes per page as
 * measured over the last round, compression included) and of the device state over the measured
 * bandwidth, plus what the destination said applying them will take ({@link DowntimeEstimate}).
 * Once that is within {@code downtime-limit} it pauses the guest, sends the last dirty pages and
 * every device section, waits for the destination's {@link WireMessage#READY}, commits and leaves the source in
 * {@link VmState#POSTMIGRATE}. A one-way transport ({@code file:}) has no handshake: writing
 * everything completes the migration. Over a {@link RemoteMemoryConnection} pages go one-sided
 * into the destination's exposed RAM ({@link RemoteRam}) and only the rest uses the stream; each
 * round then ends by waiting for the destination's {@link WireMessage#APPLIED}, so the source never
 * runs rounds ahead of the destination's copying.
 *
 * <p>Any failure or cancel before the commit leaves the source as it was: dirty logging off, the
 * guest running again if it was running, and the reason in {@link MigrationStats#error()}.
 */
public final class MigrationSource {

    private static final int PAGE = GuestMemory.PAGE_SIZE;

    private final Machine machine;
    private final Connection connection;
    private final MigrationConfig config;
    private final PluginRegistry plugins;
    private final List<MigrationListener> listeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch cancelled = new CountDownLatch(1);
    private final Object commitLock = new Object();
    private final long ramTotal;
    private boolean committed;
    private volatile MigrationStatus status = MigrationStatus.SETUP;
    private volatile String error = "";
    private volatile long maxBandwidth;
    private volatile long startNanos = System.nanoTime();
    private volatile long endNanos;
    private volatile long setupMs;
    private volatile long downtimeMs;
    private volatile long expectedDowntimeMs;
    private volatile long dirtyPagesRate;
    private volatile long dirtySyncCount;
    private volatile double bandwidth;
    private volatile MigratingRam ram;
    private volatile WireOutput wire;
    private volatile PageEncoder xbzrle;
    private volatile VcpuThrottle throttle;
    private final List<DowntimeEstimate> estimates = new CopyOnWriteArrayList<>();
    private volatile DestinationCost destinationCost = DestinationCost.UNKNOWN;
    private volatile long deviceBytes;
    private volatile long destinationApplyMs;
    private volatile long expectedApplyMs;
    private final Map<String, Long> downtimePhases = new java.util.concurrent.ConcurrentSkipListMap<>();
    private volatile ProgressBar progress;
    private int highDirtyRounds;
    private long transferNanos;
    private long transferBytes;
    private boolean pausedByUs;
    private long guestHandedOverNanos;
    private long switchStart;

    /** A migration of {@code machine} over an open {@code connection}, which it takes over and closes. */
    public MigrationSource(Machine machine, Connection connection, MigrationConfig config, PluginRegistry plugins) {
        this.machine = Objects.requireNonNull(machine, "machine");
        this.connection = Objects.requireNonNull(connection, "connection");
        this.config = Objects.requireNonNull(config, "config");
        this.plugins = Objects.requireNonNull(plugins, "plugins");
        this.maxBandwidth = config.maxBandwidth();
        this.ramTotal = machine.memory().regions().stream().filter(r -> !r.readOnly()).mapToLong(r -> r.length()).sum();
    }

    /** Hears every later status change. */
    public void addListener(MigrationListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Draws the migration's progress (sent bytes against what is still pending, throughput, dirty
     * rate) on {@code bar} from the migration's thread; call before {@link #start}.
     */
    public void showProgress(ProgressBar bar) {
        progress = Objects.requireNonNull(bar, "bar");
    }

    /** Changes the bandwidth limit of the running migration (bytes per second, 0 for none). */
    public void setMaxBandwidth(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("max-bandwidth must be >= 0, was " + bytesPerSecond);
        }
        maxBandwidth = bytesPerSecond;
    }

    /** Runs the migration on a new thread; the future completes with the final stats. */
    public CompletableFuture<MigrationStats> start() {
        var done = new CompletableFuture<MigrationStats>();
        Thread.ofPlatform().name("tern-migration").daemon().start(() -> done.complete(run()));
        return done;
    }

    /**
     * Asks the migration to stop. Before the commit point the source is left running as before and
     * the status becomes {@link MigrationStatus#CANCELLED}; afterwards it is too late.
     *
     * @return whether the cancel was accepted
     */
    public boolean cancel() {
        synchronized (commitLock) {
            if (committed || status.isFinal()) {
                return false;
            }
            status = MigrationStatus.CANCELLING;
            cancelled.countDown();
        }
        closeQuietly(); // unblocks a write or a wait for the destination
        return true;
    }

    /** The current view ({@code info migrate}). */
    public MigrationStats stats() {
        MigratingRam r = ram;
        PageEncoder x = xbzrle;
        long end = endNanos == 0 ? System.nanoTime() : endNanos;
        return new MigrationStats(status, (end - startNanos) / 1_000_000, setupMs, downtimeMs, expectedDowntimeMs,
                sentBytes(), r == null ? 0 : r.remainingPages() * PAGE, ramTotal,
                r == null ? 0 : r.zeroPages(), r == null ? 0 : r.normalPages(), r == null ? 0 : r.lz4Pages(),
                dirtyPagesRate, bandwidth * 8 / 1e6, dirtySyncCount, throttle == null ? 0 : throttle.percentage(),
                x == null ? Map.of() : x.stats(), error, estimates.size(), expectedApplyMs, destinationApplyMs,
                connection instanceof RemoteMemoryConnection, Map.copyOf(downtimePhases));
    }

    /**
     * The estimate made after each round, in order; the last one is the one that let the
     * migration switch over (when it completed).
     */
    public List<DowntimeEstimate> estimates() {
        return List.copyOf(estimates);
    }

    /** Bytes put on the wire plus page bytes written one-sided. */
    private long sentBytes() {
        WireOutput w = wire;
        MigratingRam r = ram;
        return (w == null ? 0 : w.wireBytes()) + (r == null ? 0 : r.remoteBytes());
    }

    /**
     * Runs the whole migration on the calling thread. Never throws for a failed migration: the final
     * stats carry the status and the reason.
     */
    public MigrationStats run() {
        startNanos = System.nanoTime();
        DirtyLog log = machine.memory().dirtyLog();
        try {
            enter(MigrationStatus.SETUP);
            SavedStateWriter ramStream = setup(log);
            enter(MigrationStatus.ACTIVE);
            PageSet pending = iterate(ramStream);
            enter(MigrationStatus.DEVICE);
            switchOver(ramStream, pending, log);
            downtimeMs = (guestHandedOverNanos - switchStart) / 1_000_000;
            endNanos = System.nanoTime();
            enter(MigrationStatus.COMPLETED);
            finishProgress("completed, downtime " + downtimeMs + " ms");
        } catch (Exception | Error e) {
            fail(e);
        } finally {
            try {
                stopThrottle();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.disable();
            if (ram != null) {
                ram.close();
            }
            closeQuietly();
        }
        return stats();
    }

    private SavedStateWriter setup(DirtyLog log) throws IOException, MigrationException {
        if (!machine.lifecycle().state().equals(VmState.RUNNING) && machine.lifecycle().state() != VmState.PAUSED) {
            throw new MigrationException("cannot migrate a machine that is " + machine.lifecycle().state());
        }
        wire = new WireOutput(connection);
        if (connection.isBidirectional()) {
            destinationCost = DestinationCost.parse(new WireInput(connection).expect(WireMessage.COST));
        }
        if (connection instanceof RemoteMemoryConnection remote) {
            // Pages are a memory copy away: compressing them would only cost time.
            var writable = machine.memory().regions().stream().filter(r -> !r.readOnly()).toList();
            ram = MigratingRam.remoteSender(machine.memory(), RemoteRam.register(remote, writable));
        } else {
            xbzrle = config.xbzrle() ? encoder("xbzrle", Map.of("cache-size", Long.toString(config.xbzrleCacheSize())))
                    : null;
            PageEncoder lz4 = config.compression().equals("lz4") ? encoder("lz4", Map.of()) : null;
            ram = MigratingRam.sender(machine.memory(), xbzrle, lz4);
        }
        deviceBytes = deviceStateBytes();
        if (config.autoConverge()) {
            throttle = new VcpuThrottle(machine, log.pageCount());
        }
        log.enable();
        log.markAll();
        SavedStateWriter ramStream = new SavedStateWriter(wire, header());
        ramStream.startLive(ram);
        setupMs = (System.nanoTime() - startNanos) / 1_000_000;
        checkCancel();
        return ramStream;
    }

    /** The size of the device state now: a good guess of what the switch-over sends. */
    private long deviceStateBytes() throws IOException {
        var counter = new OutputStream() {
            long bytes;

            @Override
            public void write(int b) {
                bytes++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                bytes += len;
            }
        };
        SavedStateWriter devices = new SavedStateWriter(counter, header());
        for (StateSection<?> s : machine.sections()) {
            devices.writeSection(s);
        }
        devices.finish();
        return counter.bytes;
    }

    private PageEncoder encoder(String id, Map<String, String> raw) {
        PageCodecProvider p = plugins.require(PageCodecProvider.class, id);
        return p.newEncoder(ValidatedConfig.of(id, p.configKeys(), raw));
    }

    private ConfigHeader header() {
        return ConfigHeader.of(MachineSnapshot.MACHINE_TYPE, machine.memory());
    }

    /** Rounds until the estimate fits the downtime limit; returns the pages still to send. */
    private PageSet iterate(SavedStateWriter ramStream) throws IOException, MigrationException {
        long lastSync = System.nanoTime();
        PageSet pending = sync();
        while (true) {
            long sentBefore = sentBytes();
            sendRound(ramStream, pending);
            long now = System.nanoTime();
            PageSet next = sync();
            long dirty = next.count();
            autoConverge(dirty, sentBytes() - sentBefore);
            dirtyPagesRate = (long) (dirty * 1e9 / Math.max(1, now - lastSync));
            lastSync = now;
            DowntimeEstimate estimate = new DowntimeEstimate(estimates.size() + 1, dirty, ram.bytesPerPage(),
                    deviceBytes, expectedBandwidth(), destinationCost);
            estimates.add(estimate);
            expectedDowntimeMs = estimate.millis();
            expectedApplyMs = estimate.applyMs();
            if (estimate.fits(config.downtimeLimitMs())) {
                return next;
            }
            checkTimeout();
            pending = next;
        }
    }

    private PageSet sync() {
        dirtySyncCount++;
        PageSet pages = PageSet.of(machine.syncDirtyLog());
        if (throttle != null) {
            throttle.drainInto(pages);
        }
        return pages;
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

    private void stopThrottle() throws InterruptedException {
        if (throttle != null) {
            throttle.close();
        }
    }

    private void sendRound(SavedStateWriter ramStream, PageSet pages) throws IOException, MigrationException {
        ram.beginRound(pages);
        long partBytes = maxBandwidth > 0 ? Math.max(64 << 10, maxBandwidth / 20) : 4 << 20;
        long t0 = System.nanoTime();
        long b0 = sentBytes();
        boolean done;
        do {
            done = ramStream.iterateLive(ram, partBytes);
            drawProgress();
            checkCancel();
            checkTimeout();
            throttle(t0, b0);
        } while (!done);
        ram.endRound();
        if (connection instanceof RemoteMemoryConnection) {
            // the destination copies what we wrote: never run a round ahead of it
            ramStream.flush(); // through to the wire: the round's last part carries the sync
            new WireInput(connection).expect(WireMessage.APPLIED);
        }
        transferNanos += System.nanoTime() - t0;
        transferBytes += sentBytes() - b0;
        bandwidth = transferBytes * 1e9 / Math.max(1, transferNanos);
    }

    private void drawProgress() {
        ProgressBar bar = progress;
        if (bar != null) {
            long sent = sentBytes();
            bar.update(sent, sent + ram.pendingBytes(), String.format(java.util.Locale.ROOT, "dirty %.1f MB/s  iter %d",
                    dirtyPagesRate * (double) PAGE / 1e6, estimates.size() + 1));
        }
    }

    /** Waits as long as the bytes sent since {@code t0} are ahead of {@code max-bandwidth}. */
    private void throttle(long t0, long b0) throws MigrationException {
        long limit = maxBandwidth;
        if (limit <= 0) {
            return;
        }
        long due = (long) ((sentBytes() - b0) * 1e9 / limit);
        long ahead = due - (System.nanoTime() - t0);
        if (ahead > 0) {
            try {
                // rate limiting, not synchronisation: a cancel ends the wait at once
                cancelled.await(ahead, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MigrationException("interrupted");
            }
            checkCancel();
        }
    }

    /** Bytes per second: as measured, but never above {@code max-bandwidth}. */
    private double expectedBandwidth() {
        double bw = bandwidth;
        if (maxBandwidth > 0) {
            bw = bw <= 0 ? maxBandwidth : Math.min(bw, maxBandwidth);
        }
        return bw;
    }

    private void checkTimeout() throws MigrationException {
        long elapsedMs = (System.nanoTime() - startNanos) / 1_000_000;
        if (config.timeoutMs() > 0 && elapsedMs > config.timeoutMs()) {
            throw new MigrationException("did not converge within " + config.timeoutMs() + " ms: expected downtime "
                    + expectedDowntimeMs + " ms exceeds the limit of " + config.downtimeLimitMs() + " ms at "
                    + dirtyPagesRate + " dirty pages/s");
        }
    }

    private void switchOver(SavedStateWriter ramStream, PageSet pending, DirtyLog log)
            throws IOException, MigrationException, InterruptedException {
        checkCancel();
        stopThrottle();
        switchStart = System.nanoTime();
        VmState state = machine.lifecycle().state();
        if (state != VmState.RUNNING && state != VmState.PAUSED) {
            throw new MigrationException("the guest stopped during the migration (" + state + ")");
        }
        if (state == VmState.RUNNING) {
            machine.pause();
            pausedByUs = true;
        }
        machine.lifecycle().transition(VmState.MIGRATING);
        // No vCPU runs: a plain harvest sees every write since the last sync.
        pending.addAll(log.syncAndClear());
        if (throttle != null) {
            throttle.drainInto(pending);
        }
        dirtySyncCount++;
        long t1 = phase("1-pause-and-sync", switchStart);
        ram.beginRound(pending);
        ramStream.endLive(ram);
        ramStream.finish();
        wire.endStream();
        long t2 = phase("2-last-pages", t1);
        SavedStateWriter devices = new SavedStateWriter(wire, header());
        for (StateSection<?> s : machine.sections()) {
            devices.writeSection(s);
        }
        devices.finish();
        wire.endStream();
        long t3 = phase("3-devices", t2);
        checkCancel();
        if (connection.isBidirectional()) {
            destinationApplyMs = parseNanos(new WireInput(connection).expect(WireMessage.READY)) / 1_000_000;
        }
        phase("4-await-ready", t3);
        commit();
        machine.lifecycle().transition(VmState.POSTMIGRATE);
    }

    /** Records the milliseconds since {@code from} under {@code name}; returns now. */
    private long phase(String name, long from) {
        long now = System.nanoTime();
        downtimePhases.put(name, (now - from) / 1_000_000);
        return now;
    }

    private static long parseNanos(String text) throws IOException {
        try {
            long n = Long.parseLong(text.strip());
            if (n < 0) {
                throw new NumberFormatException("negative");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IOException("migration wire: READY carries '" + text + "', not the apply time in nanoseconds", e);
        }
    }

    /** The point of no return: after it the destination runs the guest. */
    private void commit() throws IOException, MigrationException {
        synchronized (commitLock) {
            checkCancel();
            if (connection.isBidirectional()) {
                wire.control(WireMessage.COMMIT, "");
                // the destination runs the guest from here: closing the connection is not downtime
                guestHandedOverNanos = System.nanoTime();
            }
            connection.close(); // flushes a file to disk before the migration counts as done
            if (!connection.isBidirectional()) {
                guestHandedOverNanos = System.nanoTime();
            }
            committed = true;
        }
    }

    private void checkCancel() throws MigrationException {
        if (cancelled.getCount() == 0) {
            throw new MigrationException("cancelled");
        }
    }

    private void fail(Throwable e) {
        boolean byCancel = cancelled.getCount() == 0;
        String why = byCancel ? "migration cancelled" : describe(e);
        if (byCancel) {
            enter(MigrationStatus.CANCELLING);
        }
        if (!byCancel && connection.isOpen()) {
            try {
                wire.control(WireMessage.ABORT, why);
            } catch (IOException | RuntimeException ignored) {
                // the destination is gone or not listening: it fails on its own
            }
        }
        closeQuietly();
        try {
            stopThrottle();
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        rollBack();
        error = why;
        endNanos = System.nanoTime();
        finishProgress((byCancel ? "cancelled" : "failed") + ": " + why);
        enter(byCancel ? MigrationStatus.CANCELLED : MigrationStatus.FAILED);
    }

    private void finishProgress(String summary) {
        ProgressBar bar = progress;
        if (bar != null) {
            bar.finish(summary);
        }
    }

    /** Puts the source back as it was before the migration. */
    private void rollBack() {
        machine.memory().dirtyLog().disable();
        var lifecycle = machine.lifecycle();
        if (lifecycle.state() == VmState.MIGRATING) {
            lifecycle.transition(VmState.PAUSED);
        }
        if (pausedByUs && lifecycle.state() == VmState.PAUSED) {
            machine.resume();
            pausedByUs = false;
        }
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isEmpty() ? e.toString() : m;
    }

    private void enter(MigrationStatus s) {
        synchronized (commitLock) {
            if (status == MigrationStatus.CANCELLING && !s.isFinal() && s != MigrationStatus.CANCELLING) {
                return; // a cancel is under way: do not announce phases it will undo
            }
            status = s;
        }
        MigrationStats now = stats();
        MigrationStatusEvent event = new MigrationStatusEvent();
        if (event.shouldCommit()) {
            event.status = s.label();
            event.transferred = now.ramTransferred();
            event.dirtySyncs = now.dirtySyncCount();
            event.error = now.error();
            event.commit();
        }
        for (MigrationListener l : listeners) {
            try {
                l.changed(s, now);
            } catch (RuntimeException ignored) {
                // a broken listener must not break the migration
            }
        }
    }

    private void closeQuietly() {
        try {
            connection.close();
        } catch (IOException | RuntimeException ignored) {
            // closing is best effort: the migration outcome is already decided
        }
    }
}
