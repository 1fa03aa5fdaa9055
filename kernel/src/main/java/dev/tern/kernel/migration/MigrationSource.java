package dev.tern.kernel.migration;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSnapshot;
import dev.tern.kernel.memory.DirtyLog;
import dev.tern.kernel.ram.CodecPlugins;
import dev.tern.kernel.ram.PageCodecs;
import dev.tern.kernel.ram.RamSender;
import dev.tern.kernel.ram.RemoteRam;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.progress.Progress;
import dev.tern.kernel.state.ConfigHeader;
import dev.tern.kernel.state.SavedStateWriter;
import dev.tern.kernel.vm.VmState;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.state.StateSection;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.RemoteMemoryConnection;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The sending side of a live migration (iterative pre-copy, as QEMU's RAM migration).
 *
 * <p>Setup enables the dirty log and opens the kernel's RAM page stream ({@link RamSender}, the same
 * stream snapshots use), whose first pass covers every page. The rounds ({@link PreCopyRounds}) send
 * while the guest runs, sync the dirty log and estimate the switch-over pause, until the estimate
 * is within {@code downtime-limit}; then the {@link SwitchOver} pauses the guest, sends the last
 * dirty pages and every device section and waits for the destination's {@link WireMessage#READY};
 * the source commits and is left in {@link VmState#POSTMIGRATE}. Page codecs are plugins named by
 * id ({@link CodecPlugins}): the {@code xbzrle} capability and the {@code compression} parameter. A one-way transport ({@code file:}) has no handshake: writing
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
    private final ChannelConnector channels;
    private final List<MigrationListener> listeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch cancelled = new CountDownLatch(1);
    private final Object commitLock = new Object();
    private final long ramTotal;
    /** This migration's name as the dirty log's holder (unique: a release must not free another's claim). */
    private final String dirtyLogOwner;
    private boolean committed;
    private volatile MigrationStatus status = MigrationStatus.SETUP;
    private volatile String error = "";
    private volatile long maxBandwidth;
    private volatile long startNanos = System.nanoTime();
    private volatile long endNanos;
    private volatile long setupMs;
    private volatile long downtimeMs;
    private volatile long destinationApplyMs;
    private volatile RamSender ram;
    private volatile WireOutput wire;
    private volatile PreCopyRounds rounds;
    /** Dirty-log syncs announced to listeners as passes; only the migration thread touches it. */
    private long announcedPasses;
    private volatile SwitchOver switchOver;
    /** {@link #sentBytes()}, made once in the setup; only the migration thread touches it. */
    private java.util.function.LongSupplier sent;
    private volatile Progress progress = Progress.NONE;
    private long guestHandedOverNanos;
    /** Post-copy asked for ({@link #startPostcopy}); read by the migration thread after the rounds. */
    private volatile boolean postcopyRequested;
    private volatile PostcopySource postcopy;
    /** Whether a lost post-copy connection pauses ({@link #allowPostcopyRecovery}) instead of failing. */
    private volatile boolean postcopyRecovery;
    /** The disks copied with the RAM ({@code block-migration}); none without the capability. */
    private volatile BlockMigration blocks = BlockMigration.NONE;

    /** A migration of {@code machine} over an open {@code connection}, which it takes over and closes. */
    public MigrationSource(Machine machine, Connection connection, MigrationConfig config, PluginRegistry plugins) {
        this(machine, connection, config, plugins, null);
    }

    /**
     * A migration that may open more connections to the same destination: the multifd channels
     * ({@code multifd} capability), each made by {@code channels} (same transport, same address).
     */
    public MigrationSource(Machine machine, Connection connection, MigrationConfig config, PluginRegistry plugins,
            ChannelConnector channels) {
        this.channels = channels;
        this.machine = Objects.requireNonNull(machine, "machine");
        this.connection = Objects.requireNonNull(connection, "connection");
        this.config = Objects.requireNonNull(config, "config");
        this.plugins = Objects.requireNonNull(plugins, "plugins");
        this.maxBandwidth = config.maxBandwidth();
        this.dirtyLogOwner = "a migration to " + connection.peer() + " (#" + Integer.toHexString(System.identityHashCode(this)) + ")";
        this.ramTotal = machine.memory().regions().stream().filter(r -> !r.readOnly()).mapToLong(r -> r.length()).sum();
    }

    /**
     * Compiles the sending path — the RAM stream through every installed codec, frames, encoding
     * {@code machine}'s device state — on scratch data, so that a later migration's setup and
     * switch-over do not run cold code. A VMM that may be migrated calls it once, off the guest's
     * threads (the CLI does when it has a monitor); the guest runs on meanwhile.
     */
    public static void warmUp(Machine machine, PluginRegistry plugins) {
        // A JFR event class's first use loads and instruments it: a millisecond of setup each
        new MigrationStatusEvent().shouldCommit();
        new MigrationRoundEvent().shouldCommit();
        // first and last: once before the longer warm-ups, in case a migration comes early, and
        // once after them, when the vCPU's loop is surely compiled (a compiled loop is what deoptimises)
        WritePathWarmUp.run(machine);
        SwitchOverWarmUp.run();
        try {
            RamPathWarmUp.run(new CodecPlugins(plugins), (ram, part, at) -> { });
            RamPathWarmUp.harvest(machine.memory().dirtyLog().pageCount() * GuestMemory.PAGE_SIZE);
            for (int i = 0; i < WARM_UP_DEVICE_RUNS; i++) {
                deviceState(machine); // each stops the vCPUs for one encode: microseconds once warm
            }
        } catch (IOException | RuntimeException e) {
            // only a warm-up: a real migration reports its own errors
        }
        WritePathWarmUp.run(machine);
    }

    private static final int WARM_UP_DEVICE_RUNS = 32;

    /** Hears every later status change. */
    public void addListener(MigrationListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Reports the migration's progress (sent bytes against what is still pending, with the dirty
     * rate and round) to {@code listener} from the migration's thread; call before {@link #start}.
     */
    public void showProgress(Progress listener) {
        progress = Objects.requireNonNull(listener, "listener");
    }

    /** Changes the bandwidth limit of the running migration (bytes per second, 0 for none). */
    public void setMaxBandwidth(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("max-bandwidth must be >= 0, was " + bytesPerSecond);
        }
        maxBandwidth = bytesPerSecond;
        PreCopyRounds r = rounds;
        if (r != null) {
            r.setMaxBandwidth(bytesPerSecond);
        }
        PostcopySource pc = postcopy;
        if (pc != null) {
            pc.setMaxBandwidth(bytesPerSecond);
        }
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
        PostcopySource pc = postcopy;
        if (pc != null && status == MigrationStatus.POSTCOPY_PAUSED) {
            pc.abandon(); // the operator gives the guest up: the migration fails, it is lost
            return true;
        }
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

    /**
     * Makes a post-copy whose connection is lost pause ({@link MigrationStatus#POSTCOPY_PAUSED})
     * until {@link #resumePostcopy} instead of failing: for a caller that can resume it (a
     * monitor's {@code migrate -r}). Before {@link #run}.
     */
    public void allowPostcopyRecovery() {
        postcopyRecovery = true;
    }

    /**
     * Resumes a paused post-copy on {@code connection}, a new connection to the destination, which
     * must be waiting for it ({@code migrate_recover}); QEMU's {@code migrate -r}. Should the
     * attempt fail, the migration is paused again, with the reason as its error.
     *
     * @throws IllegalStateException when no post-copy is paused
     */
    public void resumePostcopy(Connection connection) {
        PostcopySource pc = postcopy;
        if (pc == null || status != MigrationStatus.POSTCOPY_PAUSED) {
            throw new IllegalStateException("no post-copy migration is paused (status " + status.label() + ")");
        }
        enter(MigrationStatus.POSTCOPY_RECOVER);
        pc.resume(connection);
    }

    /**
     * Switches to post-copy (QEMU's {@code migrate_start_postcopy}): the rounds stop after their
     * current part, the guest is paused, the device state and the list of pages the destination
     * still lacks are sent, and the destination runs the guest at once, fetching those pages — the
     * ones it asks for first. From then on this side can never resume the guest: it ran on the
     * destination, and losing the connection loses it (docs/protocols/migration.md, "Post-copy").
     *
     * @throws IllegalStateException when the {@code postcopy-ram} capability is off or the
     *         migration is no longer in pre-copy
     */
    public void startPostcopy() {
        if (!config.postcopyRam()) {
            throw new IllegalStateException("the postcopy-ram capability is off (migrate_set_capability postcopy-ram on"
                    + " before migrate)");
        }
        synchronized (commitLock) {
            MigrationStatus s = status;
            if (s != MigrationStatus.SETUP && s != MigrationStatus.ACTIVE) {
                throw new IllegalStateException("post-copy can start only during pre-copy; the migration is " + s.label());
            }
            postcopyRequested = true;
        }
        PreCopyRounds p = rounds;
        if (p != null) {
            p.requestSwitchOver();
        }
    }

    /** The current view ({@code info migrate}). */
    public MigrationStats stats() {
        RamSender r = ram;
        PreCopyRounds p = rounds;
        SwitchOver s = switchOver;
        DowntimeEstimate last = p == null ? null : p.lastEstimate();
        long end = endNanos == 0 ? System.nanoTime() : endNanos;
        return new MigrationStats(status, (end - startNanos) / 1_000_000, setupMs, downtimeMs,
                last == null ? 0 : last.millis(), sentBytes(), r == null ? 0 : r.remainingPages() * PAGE, ramTotal,
                r == null ? 0 : r.counters().zeroPages(), r == null ? 0 : r.counters().normalPages(),
                p == null ? 0 : p.dirtyPagesRate(), p == null ? 0 : p.bandwidth() * 8 / 1e6,
                p == null ? 0 : p.dirtySyncCount(), p == null ? 0 : p.throttlePercentage(), codecStats(r), error,
                p == null ? 0 : p.rounds(), last == null ? 0 : last.applyMs(), destinationApplyMs,
                connection instanceof RemoteMemoryConnection, s == null ? Map.of() : s.phases(),
                config.multifd() ? config.multifdChannels() : 0, r == null ? 0 : r.multifdBytes(),
                s == null ? 0 : s.pauseBytes(), postcopy == null ? PostcopyStats.NONE : postcopy.stats());
    }

    private static Map<String, Map<String, Long>> codecStats(RamSender r) {
        if (r == null) {
            return Map.of();
        }
        var all = new java.util.LinkedHashMap<String, Map<String, Long>>();
        r.codecStats().forEach((id, counters) -> {
            var m = new java.util.LinkedHashMap<>(counters);
            m.putIfAbsent("pages", r.counters().encodedPages(id));
            all.put(id, m);
        });
        return all;
    }

    /**
     * The estimate made after each round, in order; the last one is the one that let the
     * migration switch over (when it completed).
     */
    public List<DowntimeEstimate> estimates() {
        PreCopyRounds p = rounds;
        return p == null ? List.of() : p.estimates();
    }

    /** The rule that read {@link #estimates()} to decide when to pause (null before the setup). */
    public SwitchOverRule switchOverRule() {
        PreCopyRounds p = rounds;
        return p == null ? null : p.rule();
    }

    /** Bytes put on the wire plus page bytes written one-sided. */
    private long sentBytes() {
        WireOutput w = wire;
        RamSender r = ram;
        return (w == null ? 0 : w.wireBytes()) + (r == null ? 0 : r.offStreamBytes());
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
            if (postcopyRequested) {
                rounds.requestSwitchOver(); // asked for before the rounds existed
            }
            var pending = rounds.run();
            if (postcopyRequested) {
                runPostcopy(pending, ramStream);
                return stats();
            }
            enter(MigrationStatus.DEVICE);
            checkCancel();
            rounds.stopThrottle();
            switchOver = new SwitchOver(machine, ram, ramStream, wire, header(), sent);
            switchOver.alsoSend(blocks);
            switchOver.send(pending, new LastHarvest(log, rounds));
            checkCancel();
            if (connection.isBidirectional()) {
                destinationApplyMs = switchOver.awaitReady(new WireInput(connection)) / 1_000_000;
            }
            commit();
            machine.lifecycle().transition(VmState.POSTMIGRATE);
            announceLastPass();
            downtimeMs = (guestHandedOverNanos - switchOver.started()) / 1_000_000;
            endNanos = System.nanoTime();
            enter(MigrationStatus.COMPLETED);
            progress.finish("completed, downtime " + downtimeMs + " ms");
        } catch (Exception | Error e) {
            fail(e);
        } finally {
            try {
                stopThrottle();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.release(dirtyLogOwner);
            blocks.close();
            if (ram != null) {
                ram.close();
            }
            closeQuietly();
        }
        return stats();
    }

    /**
     * Post-copy's switch-over and page phase: everything not sent — the interrupted round's rest
     * and what the guest wrote since — is announced missing instead of sent with the guest paused.
     */
    private void runPostcopy(dev.tern.kernel.ram.PageSet pending, SavedStateWriter ramStream) throws Exception {
        enter(MigrationStatus.DEVICE);
        checkCancel();
        rounds.stopThrottle();
        var pc = new PostcopySource(machine.memory(), ram.pageCount(), wire, connection);
        switchOver = new SwitchOver(machine, ram, ramStream, wire, header(), sent);
        switchOver.alsoSend(blocks);
        switchOver.send(pending, p -> {
            new LastHarvest(machine.memory().dirtyLog(), rounds).accept(p);
            pc.collect(p);
            pc.collect(ram.takeRemaining());
            p.clear();
        }, pc::announce);
        postcopy = pc;
        checkCancel();
        destinationApplyMs = switchOver.awaitReady(new WireInput(connection)) / 1_000_000;
        synchronized (commitLock) {
            checkCancel();
            wire.control(WireMessage.COMMIT, runState());
            guestHandedOverNanos = System.nanoTime();
            committed = true; // from here the guest runs on the destination: never resume it here
        }
        machine.lifecycle().transition(VmState.POSTMIGRATE);
        announceLastPass();
        downtimeMs = (guestHandedOverNanos - switchOver.started()) / 1_000_000;
        enter(MigrationStatus.POSTCOPY_ACTIVE);
        pc.setMaxBandwidth(maxBandwidth); // the background pages keep to it; asked-for ones never wait
        if (postcopyRecovery) {
            pc.allowRecovery(why -> {
                error = why;
                enter(MigrationStatus.POSTCOPY_PAUSED);
            }, () -> {
                error = "";
                enter(MigrationStatus.POSTCOPY_ACTIVE);
            });
        }
        pc.run();
        endNanos = System.nanoTime();
        enter(MigrationStatus.COMPLETED);
        progress.finish("completed (post-copy), downtime " + downtimeMs + " ms");
    }

    private SavedStateWriter setup(DirtyLog log) throws IOException, MigrationException {
        if (!machine.lifecycle().state().equals(VmState.RUNNING) && machine.lifecycle().state() != VmState.PAUSED) {
            throw new MigrationException("cannot migrate a machine that is " + machine.lifecycle().state());
        }
        var presence = machine.memory().presence();
        if (presence != null && presence.missingCount() > 0) {
            throw new MigrationException("cannot migrate while post-copy still fetches " + presence.missingCount()
                    + " pages of this machine's RAM from its own source");
        }
        if (config.postcopyRam() && (config.multifd() || connection instanceof RemoteMemoryConnection
                || !connection.isBidirectional())) {
            throw new MigrationException("postcopy-ram needs a tcp or unix connection without multifd: the"
                    + " destination asks for pages on the main connection");
        }
        wire = new WireOutput(connection);
        if (config.multifd()) {
            int n = config.multifdChannels();
            // each channel caches its own pages: together they hold xbzrle-cache-size
            long cachePerChannel = Math.max(PAGE, config.xbzrleCacheSize() / n);
            ram = RamSender.multifd(machine.memory(), MultifdChannels.open(connection, wire,
                    channels, n, i -> codecs(cachePerChannel), machine.memory(),
                    header()));
        } else if (connection instanceof RemoteMemoryConnection remote) {
            // Pages are a memory copy away: compressing them would only cost time.
            var writable = machine.memory().regions().stream().filter(r -> !r.readOnly()).toList();
            ram = RamSender.remote(machine.memory(), RemoteRam.register(remote, writable));
        } else {
            ram = RamSender.primed(machine.memory(), codecs(config.xbzrleCacheSize()));
        }
        SavedStateWriter ramStream = new SavedStateWriter(wire, header());
        // One supplier for the rounds and the switch-over: each method reference's call site is
        // linked on its first use, and the switch-over's would be first used next to the pause.
        sent = this::sentBytes;
        var driver = new PreCopyRounds(machine, ram, ramStream, config, sent, checks(),
                this::drawProgress);
        driver.setMaxBandwidth(maxBandwidth);
        rounds = driver;
        // Every later write must reach the log: enable it, then make each vCPU drop its cached write
        // permissions (the sync's rendezvous) before the first pass reads any page.
        try {
            log.claim(dirtyLogOwner);
        } catch (IllegalStateException e) {
            throw new MigrationException(e.getMessage());
        }
        // Encoding the device state stands in for loading it at the destination; a first run is
        // colder than the switch-over's, so the estimate errs long (the rounds measure it again).
        // It needs the vCPUs stopped, as the sync does: one rendezvous serves both.
        driver.expect(() -> deviceState(machine), devicesWhileSyncing());
        ramStream.startLive(ram);
        startBlocks(ramStream, driver);
        // At once, not with the first part: the destination clears its RAM on the layout record,
        // and does so while this side scans the first pass, not after it.
        ramStream.flush();
        setupMs = (System.nanoTime() - startNanos) / 1_000_000;
        checkCancel();
        return ramStream;
    }

    /**
     * With {@code block-migration}: tracks every offered disk from now on and opens its section in
     * the RAM stream, after the RAM's, so its bulk pass runs with RAM's first pass.
     */
    private void startBlocks(SavedStateWriter ramStream, PreCopyRounds driver) throws IOException, MigrationException {
        if (config.blockMigration()) {
            blocks = BlockMigration.start(machine.disks(), ramStream);
            driver.alsoSend(blocks);
        }
    }

    /** The disks' figures ({@code info migrate}'s disk lines); {@link DiskStats#NONE} without block migration. */
    public DiskStats diskStats() {
        return blocks.stats();
    }

    /** The codecs the configuration asks for, by plugin id. */
    private PageCodecs codecs(long cacheSize) {
        var plugins = new CodecPlugins(this.plugins);
        List<PageCodecs.Codec> list = new ArrayList<>();
        try {
            if (config.xbzrle()) {
                list.add(plugins.encoder("xbzrle", cacheSize));
            }
            if (!config.compression().equals("none")) {
                list.add(plugins.encoder(config.compression(), cacheSize));
            }
            return PageCodecs.of(list);
        } catch (RuntimeException e) {
            list.forEach(c -> c.encoder().close());
            throw e;
        }
    }

    private PreCopyRounds.Checks checks() {
        return new PreCopyRounds.Checks() {
            @Override
            public void between() throws MigrationException {
                checkCancel();
                checkTimeout();
            }

            @Override
            public void pace(long nanos) throws MigrationException {
                try {
                    // rate limiting, not synchronisation: a cancel ends the wait at once
                    cancelled.await(nanos, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new MigrationException("interrupted");
                }
                checkCancel();
            }

            @Override
            public void roundSent() throws IOException {
                if (connection instanceof RemoteMemoryConnection) {
                    // the destination copies what we wrote: never run a round ahead of it
                    wire.flush(); // through to the wire: the round's last part carries the sync
                    new WireInput(connection).expect(WireMessage.APPLIED);
                }
            }
        };
    }

    /** Syncs the dirty log and, in the same rendezvous, measures the device state. */
    private PreCopyRounds.DeviceSample devicesWhileSyncing() throws IOException {
        var sample = new AtomicReference<PreCopyRounds.DeviceSample>();
        try {
            machine.syncDirtyLog(pages -> sample.set(encodeDevices(machine)));
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        } catch (dev.tern.kernel.emt.RendezvousException e) {
            if (e.getCause() instanceof java.io.UncheckedIOException u) {
                throw u.getCause();
            }
            throw e;
        }
        return sample.get();
    }

    /**
     * The size of the device state stream now (a good guess of what the switch-over sends) and what
     * encoding it took, encoded and thrown away with the vCPUs stopped: a running vCPU's state belongs
     * to its own thread, and reading it from here could see it torn or, worse, disturb it (the x86
     * CPU keeps its arithmetic flags lazily).
     */
    private static PreCopyRounds.DeviceSample deviceState(Machine machine) throws IOException {
        try {
            return machine.withVcpusStopped(() -> encodeDevices(machine));
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Encodes the device state and throws it away; the vCPUs must be stopped. */
    private static PreCopyRounds.DeviceSample encodeDevices(Machine machine) {
        try {
            long t0 = System.nanoTime();
            long bytes = encodedDeviceBytes(machine);
            return new PreCopyRounds.DeviceSample(bytes, System.nanoTime() - t0);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long encodedDeviceBytes(Machine machine) throws IOException {
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
        SavedStateWriter devices = new SavedStateWriter(counter, header(machine));
        for (StateSection<?> s : machine.sections()) {
            devices.writeSection(s);
        }
        devices.finish();
        return counter.bytes;
    }

    private ConfigHeader header() {
        return header(machine);
    }

    private static ConfigHeader header(Machine machine) {
        return ConfigHeader.of(MachineSnapshot.MACHINE_TYPE, machine.memory(), machine.vcpus().size());
    }

    private void stopThrottle() throws InterruptedException {
        PreCopyRounds p = rounds;
        if (p != null) {
            p.stopThrottle();
        }
    }

    private void drawProgress() {
        PreCopyRounds p = rounds;
        announcePass(p.dirtySyncCount());
        if (progress == Progress.NONE) {
            return; // nobody draws it: formatting the line would only cost the rounds time
        }
        long sent = sentBytes();
        progress.update(sent, sent + ram.pendingBytes(), String.format(java.util.Locale.ROOT, "dirty %.1f MB/s  iter %d",
                p.dirtyPagesRate() * (double) PAGE / 1e6, p.rounds() + 1));
    }

    /** Tells listeners of the switch-over's sync, which ran paused and announced nothing. */
    private void announceLastPass() {
        PreCopyRounds p = rounds;
        if (p != null) {
            announcePass(p.dirtySyncCount());
        }
    }

    /** Tells listeners about each dirty-log sync not announced yet (progress is drawn at least once a round). */
    private void announcePass(long syncs) {
        while (announcedPasses < syncs) {
            long pass = ++announcedPasses;
            for (MigrationListener l : listeners) {
                try {
                    l.pass(pass);
                } catch (RuntimeException ignored) {
                    // a broken listener must not break the migration
                }
            }
        }
    }

    private void checkTimeout() throws MigrationException {
        long elapsedMs = (System.nanoTime() - startNanos) / 1_000_000;
        if (config.timeoutMs() > 0 && elapsedMs > config.timeoutMs()) {
            DowntimeEstimate last = rounds.lastEstimate();
            throw new MigrationException("did not converge within " + config.timeoutMs() + " ms: expected downtime "
                    + (last == null ? "unknown" : last.millis() + " ms") + " exceeds the limit of "
                    + config.downtimeLimitMs() + " ms at " + rounds.dirtyPagesRate() + " dirty pages/s");
        }
    }

    /**
     * The source's run state for COMMIT (QEMU's global state): a guest the operator had paused
     * before the migration stays paused on the destination; one the switch-over paused runs on.
     */
    private String runState() {
        return switchOver.pausedByUs() ? MigrationDestination.RUNNING : MigrationDestination.PAUSED;
    }

    /** The point of no return: after it the destination runs the guest. */
    private void commit() throws IOException, MigrationException {
        synchronized (commitLock) {
            checkCancel();
            if (connection.isBidirectional()) {
                wire.control(WireMessage.COMMIT, runState());
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
        String why = byCancel ? "migration cancelled" : reason(e);
        if (committed) {
            failAfterHandOver(why);
            return;
        }
        if (byCancel) {
            enter(MigrationStatus.CANCELLING);
        }
        if (!byCancel && connection.isOpen() && wire != null) {
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
        announceLastPass();
        error = why;
        endNanos = System.nanoTime();
        progress.finish((byCancel ? "cancelled" : "failed") + ": " + why);
        enter(byCancel ? MigrationStatus.CANCELLED : MigrationStatus.FAILED);
    }

    /**
     * Failed after the commit: the guest ran on the destination, so this paused copy is out of date
     * and must never run again; in post-copy the destination, missing pages, has lost the guest.
     */
    private void failAfterHandOver(String why) {
        closeQuietly();
        error = postcopy == null ? "failed after the commit (the destination runs the guest): " + why
                : "post-copy failed after the guest moved to the destination: " + why + "; the guest cannot be"
                        + " resumed here (it ran on the destination) and the destination cannot run it without the"
                        + " pages it lacked";
        endNanos = System.nanoTime();
        progress.finish("failed: " + error);
        enter(MigrationStatus.FAILED);
    }

    /** Puts the source back as it was before the migration. */
    private void rollBack() {
        machine.memory().dirtyLog().release(dirtyLogOwner);
        var lifecycle = machine.lifecycle();
        if (lifecycle.state() == VmState.MIGRATING) {
            lifecycle.transition(VmState.PAUSED);
        }
        SwitchOver s = switchOver;
        if (s != null && s.pausedByUs() && lifecycle.state() == VmState.PAUSED) {
            machine.resume();
        }
    }

    /** The destination's refusal when it caused {@code e}, else {@code e}'s own message. */
    private String reason(Throwable e) {
        // Post-copy reads its return path on a thread of its own: never a second reader.
        if (!committed && !postcopyRequested && wire != null) {
            var refused = RefusalProbe.after(e, connection);
            if (refused.isPresent()) {
                return "the destination refused the migration: " + refused.get();
            }
        }
        return describe(e);
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

    /**
     * Ends the connection without committing the stream (a no-op after {@link #commit()} closed it):
     * a file destination is discarded rather than left half-written.
     */
    private void closeQuietly() {
        try {
            connection.abort();
        } catch (IOException | RuntimeException ignored) {
            // closing is best effort: the migration outcome is already decided
        }
    }
}
