package dev.tern.kernel.ft;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.OutputPath;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.ram.CodecPlugins;
import dev.tern.kernel.vm.VmState;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The primary of a fault-tolerant pair: connects to its standby, authenticates, sends the full sync
 * (checkpoint 0), then every interval a checkpoint ({@link CheckpointWriter}: one short stop of the
 * vCPUs, the rest while the guest runs), waiting for the standby's acknowledgement of each before
 * the next. Heartbeats go out on their own thread. When the standby refuses, stops answering
 * within the heartbeat timeout or goes away, the guest runs on unprotected and one line says so;
 * it then tries the standby's address again (re-protection): a new standby listening there gets a
 * full sync — one stop of the guest as long as the first one's — and checkpoints again.
 * {@link #failover()} hands the guest over: pause, a last checkpoint, FAILOVER, stop. The wire
 * side of a checkpoint is {@link CheckpointSender}'s; what the standby sends and its heartbeats
 * are a session's {@link StandbyLink}'s; a pre-copied full sync is {@link PrecopiedSync}'s.
 *
 * <p>Output commit: the machine's {@link OutputPath} holds the configured output kinds from the
 * start; each checkpoint carries the output held since the previous one, which is delivered once
 * the standby acknowledged it ({@link OutputRelease}: in steps, each reported by RELEASED). Held
 * output makes the next checkpoint start within the output latency. Without a standby everything
 * held is delivered and nothing more is held.
 */
public final class FtPrimary implements FtNode, AutoCloseable {

    /** How long the primary keeps trying to reach a standby that is not listening yet. */
    static final Duration CONNECT_PATIENCE = Duration.ofSeconds(30);
    /**
     * The heartbeat timeout until the full sync is acknowledged: it is a bulk transfer run by cold
     * code on both sides, and a standby without checkpoint 0 protects nothing yet.
     */
    static final Duration SYNC_TIMEOUT = Duration.ofSeconds(30);
    /** Re-protection's retry pace after a loss, and its bound while standbies refuse. */
    static final Duration REJOIN_MIN = Duration.ofSeconds(1);
    static final Duration REJOIN_MAX = Duration.ofSeconds(30);

    private final Machine machine;
    private final FtConfig config;
    private final PluginRegistry plugins;
    private final PrintStream log;
    private final CheckpointStats stats = new CheckpointStats();
    private final Object lock = new Object();
    private final long timeoutNanos;
    private final OutputPath output;
    /** The primary's side of output commit: holding, delivery in reported steps, release without a standby. */
    private final OutputRelease release;
    private final CheckpointSender sender;
    /** The lease (at the witness, or on the lease file); null without fencing. */
    private final Lease lease;
    private volatile boolean fenced;
    private volatile FtState state = FtState.CONNECTING;
    private volatile FtWire wire;
    private volatile String reason = "";
    private Thread thread;
    // guarded by lock
    /** The current session's link to its standby; null before the first session. */
    private StandbyLink link;
    private boolean failoverRequested;
    private boolean closing;
    private String failoverOutcome;
    /** When the current epoch got its first held output; -1: none held. */
    private long heldSince = -1;
    /** The current epoch's held bytes reached the limit's share: a checkpoint is due now. */
    private boolean heldFull;
    /** How often the guest waited for held output to be delivered (the checkpoint thread writes it). */
    private volatile long outputLimitWaits;
    private volatile Duration rejoinPace = REJOIN_MIN;
    /** The page codecs this primary offers a standby, by plugin id. */
    private final List<String> offeredCodecs;
    /** The codecs of the current session's checkpoints and their counters ({@code info ft}); empty without one. */
    private volatile Supplier<String> codecText = () -> "";
    /** A standby that took over: its guest already runs, unprotected, until a standby joins. */
    private final boolean successor;

    /** Why the checkpoint thread stopped waiting. */
    private enum Tick { INTERVAL, OUTPUT, FAILOVER }

    public FtPrimary(Machine machine, FtConfig config, PluginRegistry plugins, PrintStream log) {
        this(machine, config, plugins, log, false, null);
    }

    /**
     * The primary a standby becomes once it took over ({@code reprotect=}): its guest runs
     * unprotected, its output open, while it tries the next standby's address as re-protection
     * does; it keeps the lease the standby took ({@code lease}, null without a witness).
     */
    static FtPrimary successor(Machine machine, FtConfig config, PluginRegistry plugins, PrintStream log,
            Lease lease) {
        return new FtPrimary(machine, config, plugins, log, true, lease);
    }

    private FtPrimary(Machine machine, FtConfig config, PluginRegistry plugins, PrintStream log, boolean successor,
            Lease inherited) {
        if (config.role() != FtRole.PRIMARY) {
            throw new IllegalArgumentException("not a primary configuration");
        }
        this.machine = machine;
        this.config = config;
        this.plugins = plugins;
        this.log = log;
        this.timeoutNanos = config.effectiveTimeout().toNanos();
        this.output = machine.outputs();
        output.limit(config.heldOutput());
        this.successor = successor;
        this.lease = successor ? inherited : Lease.of(config, plugins, config.effectiveTimeout(), true);
        this.release = new OutputRelease(output, config, lease);
        this.sender = new CheckpointSender(stats);
        this.offeredCodecs = CheckpointCodecs.offered(config, new CodecPlugins(plugins));
        if (!config.outputCommit().isEmpty() && !successor) {
            // from before the guest runs: no output escapes that a standby could not reproduce
            output.hold(config.outputCommit(), this::outputHeld, this::epochFull);
        }
        output.onRefused(this::stopForRefusedOutput);
        var reg = machine.stats();
        reg.gauge("/ft/checkpoints-acknowledged", "checkpoints", "last checkpoint the standby applied (-1: none)",
                stats::lastAcknowledged);
        reg.gauge("/ft/last-pause", "ns", "vCPU pause of the last checkpoint", stats::lastPauseNanos);
        reg.gauge("/ft/max-pause", "ns", "longest checkpoint pause", stats::maxPauseNanos);
        reg.gauge("/ft/bytes-sent", "bytes", "bytes sent to the standby", () -> {
            FtWire w = wire;
            return w == null ? 0 : w.bytesSent();
        });
        reg.gauge("/ft/protected", "boolean", "1 while a standby follows the guest",
                () -> state == FtState.PROTECTED ? 1 : 0);
    }

    /** The guest produced output to hold in an epoch that had none: a checkpoint is due soon. */
    private void outputHeld() {
        synchronized (lock) {
            if (heldSince < 0) {
                heldSince = System.nanoTime();
            }
            lock.notifyAll();
        }
    }

    /** The current epoch holds as many bytes as one may: a checkpoint is due without the output latency. */
    private void epochFull() {
        synchronized (lock) {
            heldFull = true;
            lock.notifyAll();
        }
    }

    /**
     * Says which fencing is in force and, with a lease, takes it before the guest runs (call
     * before the machine starts), waiting out an earlier holder's lease.
     *
     * @throws IOException naming why no lease was granted: the guest must not run
     */
    public void acquireLease() throws IOException, InterruptedException {
        if (!successor) {
            log.println("ft: primary for the standby " + config.address() + "; fencing: " + config.fencing().describe());
            log.flush();
        }
        if (lease != null && !successor) {
            lease.acquireFirst(CONNECT_PATIENCE);
            log.println("ft: lease granted by " + lease.where());
            log.flush();
        }
    }

    /**
     * The lease ran out here: the standby may take over, so the guest stops at once. The output
     * held here is dropped (the standby delivers its last checkpoint's), and the connection to
     * the standby is closed without REFUSED, so that it is free to take over.
     */
    private void leaseLost(String why) {
        fenced = true;
        state = FtState.FENCED;
        reason = "lease lost: " + why;
        output.handedOver();
        FtWire w = wire;
        if (w != null) {
            w.close();
        }
        log.println("ft: lease lost (" + why + "); stopping the guest, which may run on at the standby");
        log.flush();
        machine.stop("ft: the lease (" + lease.where() + ") was lost; the guest stopped here");
    }

    /** False once the guest was handed over or fenced: the held output is then not this side's to deliver. */
    private boolean keepsOutput() {
        return state != FtState.HANDED_OVER && !fenced;
    }

    /** Starts protecting the machine (created with this primary, before it runs) on a thread of its own. */
    public void start() {
        if (lease != null) {
            lease.keep(this::leaseLost);
        }
        thread = Thread.ofPlatform().daemon().name("tern-ft-primary").start(this::run);
    }

    @Override
    public FtRole role() {
        return FtRole.PRIMARY;
    }

    @Override
    public FtState state() {
        return state;
    }

    @Override
    public String render() {
        FtWire w = wire;
        return "role: primary\nstate: " + state.label() + (reason.isEmpty() ? "" : " (" + reason + ")") + "\n"
                + "standby: " + config.address() + "\ninterval: " + config.interval().toMillis() + " ms, heartbeat timeout: "
                + config.effectiveTimeout().toMillis() + " ms, handshake timeout: "
                + config.effectiveHandshakeTimeout().toMillis() + " ms\n" + stats.render()
                + "bytes sent: " + (w == null ? 0 : w.bytesSent()) + "\n" + codecText.get() + release.render()
                + (outputLimitWaits == 0 ? "" : "waits at the held-output limit: " + outputLimitWaits + "\n")
                + "fencing: " + config.fencing().describe() + (fenced ? " (lease lost)" : "") + "\n"
                + (state == FtState.UNPROTECTED ? "re-protection: trying " + config.address() + " every "
                        + rejoinPace.toSeconds() + " s\n" : "");
    }

    /** The checkpoint statistics (pauses, counts), for benchmarks. */
    public String statsText() {
        return stats.render();
    }

    /** The checkpoint counters now (bracket a window with two of them; {@code tern bench --ft}). */
    public CheckpointFigures figures() {
        FtWire w = wire;
        synchronized (stats) {
            return new CheckpointFigures(stats.taken(), w == null ? 0 : w.bytesSent(), stats.recentPauses());
        }
    }

    /** The last checkpoint's pause in nanoseconds, and the longest so far. */
    public long[] pauses() {
        return new long[] {stats.lastPauseNanos(), stats.maxPauseNanos()};
    }

    /**
     * Planned switch-over: pauses the guest, sends a last checkpoint and FAILOVER; once the standby
     * acknowledged it the machine stops here and runs there. Waits for the outcome.
     *
     * @return what happened, for the monitor
     * @throws IllegalStateException when the guest is not protected
     */
    public String failover() throws InterruptedException {
        synchronized (lock) {
            if (state != FtState.PROTECTED) {
                throw new IllegalStateException("ft_failover needs a protected guest; the primary is " + state.label());
            }
            failoverRequested = true;
            lock.notifyAll();
            long deadline = System.nanoTime() + timeoutNanos + TimeUnit.SECONDS.toNanos(30);
            while (failoverOutcome == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return "the switch-over is still under way";
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return failoverOutcome;
        }
    }

    private void run() {
        FtWire w;
        if (successor) {
            state = FtState.UNPROTECTED;
            reason = "took over; no standby yet";
            log.println("ft: re-protection: trying " + config.address() + " for a standby");
            log.flush();
            runSessions(null);
            return;
        }
        try {
            w = connect();
        } catch (ClosingException e) {
            return;
        } catch (IOException e) {
            unprotected(e, 0);
            release.openAll();
            w = null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        runSessions(w);
    }

    /** Protected sessions, each followed by re-protection when it lost its standby, until protection ends. */
    private void runSessions(FtWire first) {
        FtWire w = first;
        while (true) {
            if (w != null && !session(w)) {
                return;
            }
            w = rejoin();
            if (w == null) {
                return;
            }
            if (!config.outputCommit().isEmpty()) {
                output.hold(config.outputCommit(), this::outputHeld, this::epochFull);
            }
        }
    }

    /**
     * Re-protection: while the guest runs unprotected, tries the standby's address again — every
     * second after a loss, backing off to {@link #REJOIN_MAX} while standbies refuse — and
     * returns the connection to a new standby; null when the guest ended or the primary closes.
     */
    private FtWire rejoin() {
        MigrationUri uri = MigrationUri.parse(config.address());
        while (true) {
            synchronized (lock) {
                try {
                    if (!closing) {
                        lock.wait(rejoinPace.toMillis()); // the retry pace, not synchronisation
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
                if (closing || fenced) {
                    return null;
                }
            }
            VmState vm = machine.lifecycle().state();
            if (vm != VmState.RUNNING && vm != VmState.PAUSED) {
                return null;
            }
            try {
                return new FtWire(uri.connect(plugins));
            } catch (IOException e) {
                // no standby listens there yet
            }
        }
    }

    /**
     * One protected session with the standby at the end of {@code w}: handshake, full sync,
     * checkpoints. Returns true when it ended by losing the standby (re-protection may follow),
     * false when protection is over for good (guest ended, handed over, fenced, closing).
     */
    private boolean session(FtWire w) {
        CheckpointWriter writer = null;
        long seq = 0;
        boolean lost = false;
        boolean wasProtected = false;
        StandbyLink l = new StandbyLink(w, lock, timeoutNanos);
        synchronized (lock) {
            link = l;
        }
        try {
            wire = w;
            state = FtState.SYNCING;
            // bounded: a peer that accepts and says nothing (a blackholed reconnect) must not hold
            // the primary for the transport's I/O timeout
            String description = FtHandshake.describe(machine, config);
            long bound = config.effectiveHandshakeTimeout().toMillis();
            List<String> chosen = w.within(bound, "the handshake", "handshake-timeout",
                    () -> FtHandshake.primary(w, config.secret(), description, machine.vcpus().size(),
                            config.effectiveTimeout().toMillis(),
                            offeredCodecs));
            if (!chosen.equals(offeredCodecs)) {
                log.println("ft: the standby " + w.peer() + " lacks page codec(s) " + offeredCodecs.stream()
                        .filter(id -> !chosen.contains(id)).toList() + "; checkpoints go without them"
                        + (chosen.isEmpty() ? "" : " (with " + chosen + ")"));
                log.flush();
            }
            l.start(config.interval().toNanos());
            writer = new CheckpointWriter(machine, CheckpointCodecs.sessions(machine, config, new CodecPlugins(plugins), chosen));
            CheckpointWriter current = writer;
            codecText = () -> chosen.isEmpty() ? "page codecs: none\n"
                    : "page codecs: " + String.join(",", chosen) + " " + current.codecStats() + "\n";
            var sync = new CheckpointEvent();
            sync.begin();
            PrecopiedSync pre = config.precopy() ? PrecopiedSync.run(w, writer, sender, config.syncBandwidth(), () -> {
                synchronized (lock) {
                    checkPeer();
                }
            }) : null;
            CheckpointWriter.Encoded first = pre != null ? pre.checkpoint0() : writer.full();
            sender.send(w, first, CheckpointStats.Cause.INITIAL);
            awaitAck(0, first);
            CheckpointSender.commit(sync, first, CheckpointStats.Cause.INITIAL);
            release.delivered(w, 0);
            state = FtState.PROTECTED;
            wasProtected = true;
            rejoinPace = REJOIN_MIN;
            log.printf("ft: protected by standby %s (full sync: %d pages, %.1f MiB, pause %.1f ms%s)%n", w.peer(),
                    pre != null ? pre.firstRoundPages() : first.dirtyPages(),
                    ((pre != null ? pre.roundBytes() : 0) + first.stream().length) / 1048576.0, first.pauseNanos() / 1e6,
                    pre != null ? "; " + pre.rounds() + " pre-copy rounds, the stop copied " + first.dirtyPages()
                            + " pages" : "");
            log.flush();
            long interval = config.interval().toNanos();
            long next = System.nanoTime() + interval;
            for (seq = 1; ; seq++) {
                Tick tick = waitTick(next);
                long now = System.nanoTime();
                next = Math.max(next + interval, now + interval / 2); // a late checkpoint does not start a burst
                VmState vm = machine.lifecycle().state();
                if (vm != VmState.RUNNING && vm != VmState.PAUSED) {
                    endProtection("the primary's guest ended (" + vm.name().toLowerCase(java.util.Locale.ROOT) + ")");
                    return false;
                }
                if (tick == Tick.FAILOVER) {
                    awaitRoom(w, seq - 1); // the last checkpoint seals a batch too
                    handOver(w, writer, seq);
                    return false;
                }
                awaitRoom(w, seq - 1);
                synchronized (lock) {
                    heldSince = -1; // what is held now goes into this checkpoint; later output re-arms it
                    heldFull = false;
                }
                var event = new CheckpointEvent();
                event.begin();
                CheckpointStats.Cause cause = tick == Tick.OUTPUT ? CheckpointStats.Cause.OUTPUT
                        : CheckpointStats.Cause.INTERVAL;
                CheckpointWriter.Encoded c = writer.next(seq);
                sender.send(w, c, cause);
                awaitAck(seq, c);
                CheckpointSender.commit(event, c, cause);
                CheckpointSender.testHalt(seq, "acked");
                release.delivered(w, seq);
            }
        } catch (ClosingException e) {
            // close() ends protection itself
        } catch (OutputRefusedException e) {
            handOverRefusedOutput(w, writer, e.getMessage());
        } catch (IOException | RuntimeException e) {
            unprotected(e, seq);
            lost = !fenced;
            if (!wasProtected) {
                rejoinPace = rejoinPace.multipliedBy(2).compareTo(REJOIN_MAX) > 0 ? REJOIN_MAX : rejoinPace.multipliedBy(2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (writer != null) {
                writer.close();
            }
            l.stop();
            if (keepsOutput()) {
                release.openAll(); // no standby to wait for: the world sees what the guest did here
                output.refusal().ifPresent(this::stopForRefusedOutput);
            }
        }
        return lost;
    }

    /**
     * A sink did not take output being released: RELEASED counted only what it took, so the
     * standby holds the rest. Released nothing more, the guest goes to the standby (a switch-over
     * at the next checkpoint), which delivers that rest; when that fails, the guest stops here.
     */
    private void handOverRefusedOutput(FtWire w, CheckpointWriter writer, String why) {
        reason = "output not taken: " + why;
        log.println("ft: output not taken (" + why + "); nothing more is released here: handing the guest over to"
                + " the standby, which delivers it");
        log.flush();
        long next;
        synchronized (lock) {
            next = link.acked() + 1;
        }
        try {
            handOver(w, writer, next);
            reason = "output not taken: " + why + "; the standby runs the guest from checkpoint " + next;
        } catch (IOException | RuntimeException e) {
            stopForRefusedOutput(why);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopForRefusedOutput(why);
        }
    }

    /**
     * Output was not taken and no standby holds it (unprotected, or the switch-over failed): the
     * guest stops here, with an error naming the sink's failure, rather than run on losing output.
     */
    private void stopForRefusedOutput(String why) {
        if (state == FtState.OUTPUT_REFUSED || !keepsOutput()) {
            return; // said once; a handed-over or fenced side's output is the standby's
        }
        state = FtState.OUTPUT_REFUSED;
        reason = "output not taken: " + why;
        log.println("ft: output not taken (" + why + ") and no standby holds it; the guest stops here");
        log.flush();
        machine.fail("ft: the guest stopped because its output was not taken: " + why);
    }

    private void handOver(FtWire w, CheckpointWriter writer, long seq) throws IOException, InterruptedException {
        boolean wasRunning = machine.lifecycle().state() == VmState.RUNNING;
        if (wasRunning) {
            machine.pause();
        }
        try {
            CheckpointWriter.Encoded c = writer.next(seq);
            sender.send(w, c, CheckpointStats.Cause.FAILOVER);
            w.sendLong(FtMessage.FAILOVER, seq);
            awaitAck(seq, c);
        } catch (IOException | RuntimeException e) {
            if (wasRunning) {
                machine.resume();
            }
            finishFailover("the switch-over failed: " + e.getMessage() + "; the guest runs on here, unprotected");
            throw e;
        }
        state = FtState.HANDED_OVER;
        output.handedOver(); // the standby delivers the last checkpoint's output
        if (lease != null) {
            lease.release(); // the standby needs it now
        }
        reason = "the standby runs the guest from checkpoint " + seq;
        String text = "ft: handed over to standby " + w.peer() + " at checkpoint " + seq;
        log.println(text);
        log.flush();
        finishFailover(text);
        machine.stop("ft: the guest was handed over to the standby at checkpoint " + seq);
    }

    private void finishFailover(String outcome) {
        synchronized (lock) {
            failoverOutcome = outcome;
            lock.notifyAll();
        }
    }

    private FtWire connect() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + CONNECT_PATIENCE.toNanos();
        MigrationUri uri = MigrationUri.parse(config.address());
        while (true) {
            try {
                return new FtWire(uri.connect(plugins));
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("cannot reach the standby at " + uri + " within "
                            + CONNECT_PATIENCE.toSeconds() + " s: " + e.getMessage(), e);
                }
                synchronized (lock) {
                    if (closing) {
                        throw new ClosingException();
                    }
                    lock.wait(100); // a retry pace, not synchronisation: the standby may not listen yet
                }
            }
        }
    }

    /**
     * Waits for the standby's ACK of {@code seq}. Meanwhile the guest runs on, but not past a full
     * epoch ({@code epoch-bytes=}): a guest whose output outgrows what the standby acknowledges
     * waits, paused, until the ACK comes — then the checkpoint that seals the epoch starts at once.
     * Without this pause a standby slower than the guest's output would let the epoch grow past a
     * section's bound, failing its checkpoint and ending protection.
     */
    private void awaitAck(long seq, CheckpointWriter.Encoded c) throws IOException, InterruptedException {
        long sentAt = System.nanoTime();
        boolean paused = false;
        boolean judged = false; // the full epoch was dealt with: paused here, or the guest was not running
        try {
            while (true) {
                boolean full;
                synchronized (lock) {
                    // the ACK first: a standby handed the guest over acknowledges the last checkpoint and
                    // then closes, and the reader may have seen both before this thread wakes
                    if (link.acked() >= seq) {
                        break;
                    }
                    checkPeer();
                    full = heldFull && !judged;
                    if (!full) {
                        TimeUnit.NANOSECONDS.timedWait(lock, Math.max(1, timeoutNanos / 4));
                    }
                }
                if (full) {
                    // outside the lock: a vCPU handing output may be waiting for it, and pause() waits for the vCPUs
                    judged = true;
                    paused = pauseAtFullEpoch(seq);
                }
            }
        } finally {
            if (paused) {
                resumeAfterOutputWait();
            }
        }
        stats.acknowledged(seq, System.nanoTime() - sentAt);
    }

    /**
     * Pauses the running guest because its epoch is full while checkpoint {@code seq} waits for
     * its ACK; true when this call paused it (false when it was not running: a handover's pause,
     * or an end).
     */
    private boolean pauseAtFullEpoch(long seq) {
        if (machine.lifecycle().state() != VmState.RUNNING) {
            return false;
        }
        machine.pause();
        outputLimitWaits++;
        log.println("ft: held output at its limit (the epoch holds " + output.pendingBytes() + " bytes, epoch-bytes "
                + output.limits().epochBytes() + ", while checkpoint " + seq + " waits for its acknowledgement); the guest"
                + " waits for the standby");
        log.flush();
        return true;
    }

    /**
     * At the limit of held output ({@link dev.tern.kernel.machine.HeldOutputLimits}: batches whose
     * delivery the lease holds back, or their bytes) the next checkpoint would seal one more
     * batch: instead the guest waits, paused, while delivery is retried at the heartbeat's pace,
     * until there is room, the session ends or the lease is lost. Nothing is dropped, and the
     * standby never keeps more than the limit.
     */
    private void awaitRoom(FtWire w, long acknowledged) throws IOException, InterruptedException {
        if (output.roomForCheckpoint()) {
            return;
        }
        boolean wasRunning = machine.lifecycle().state() == VmState.RUNNING;
        if (wasRunning) {
            machine.pause();
        }
        var limits = output.limits();
        log.println("ft: held output at its limit (" + output.sealedBatches() + " undelivered batches of at most "
                + limits.batches() + ", " + output.heldBytes() + " bytes of at most " + limits.bytes()
                + "); the guest waits for their delivery");
        log.flush();
        outputLimitWaits++;
        try {
            while (true) {
                release.delivered(w, acknowledged);
                if (output.roomForCheckpoint()) {
                    break;
                }
                synchronized (lock) {
                    checkPeer();
                    TimeUnit.NANOSECONDS.timedWait(lock, Math.max(1, timeoutNanos / 4)); // the retry pace
                }
            }
        } finally {
            if (wasRunning) {
                resumeAfterOutputWait();
            }
        }
    }

    /** Ends a wait at the held-output limit: the guest runs again, unless it was handed over or fenced meanwhile. */
    private void resumeAfterOutputWait() {
        if (keepsOutput() && machine.lifecycle().state() == VmState.PAUSED) {
            machine.resume();
            log.println("ft: held output below its limit again; the guest runs");
            log.flush();
        }
    }

    /**
     * Waits for the next checkpoint: the interval's time, held output that waited the output
     * latency, or a switch-over asked for.
     */
    private Tick waitTick(long at) throws IOException, InterruptedException {
        long latency = config.outputLatency().toNanos();
        synchronized (lock) {
            while (true) {
                checkPeer();
                if (failoverRequested) {
                    return Tick.FAILOVER;
                }
                long now = System.nanoTime();
                if (heldFull || (heldSince >= 0 && now - heldSince >= latency)) {
                    return Tick.OUTPUT;
                }
                long left = at - now;
                if (left <= 0) {
                    return Tick.INTERVAL;
                }
                long wait = Math.min(left, Math.max(1, timeoutNanos / 4));
                if (heldSince >= 0) {
                    wait = Math.min(wait, heldSince + latency - now);
                }
                TimeUnit.NANOSECONDS.timedWait(lock, Math.max(1, wait));
            }
        }
    }

    /** Holding the lock: throws when closing, when the standby failed, or when it was silent too long. */
    private void checkPeer() throws IOException {
        if (closing) {
            throw new ClosingException();
        }
        link.check();
    }

    private void unprotected(Exception e, long seq) {
        if (fenced) {
            return; // the lease was lost: leaseLost() said so, and the guest stops
        }
        String why = e instanceof FtRefusedException ? "the standby refused: " + e.getMessage() : e.getMessage();
        boolean wasProtected = state == FtState.PROTECTED;
        state = FtState.UNPROTECTED;
        reason = why;
        FtWire w = wire;
        if (w != null) {
            if (!(e instanceof FtRefusedException)) {
                try {
                    w.send(FtMessage.REFUSED, "the primary ends protection: " + why);
                } catch (IOException | RuntimeException ignored) {
                    // the standby is gone
                }
            }
            w.close();
        }
        log.println(wasProtected
                ? "ft: standby lost after checkpoint " + stats.lastAcknowledged() + " (" + why + "); running unprotected"
                : "ft: no standby (" + why + "); running unprotected");
        log.flush();
        finishFailover("no switch-over: " + why);
    }

    /** Ends protection: tells the standby the guest ended (it must not take over) and closes. */
    @Override
    public void close() throws InterruptedException {
        synchronized (lock) {
            closing = true;
            lock.notifyAll();
        }
        if (thread != null) {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
        endProtection("the primary's guest ended");
        if (keepsOutput()) {
            release.openAll();
            output.refusal().ifPresent(why -> {
                if (state != FtState.OUTPUT_REFUSED) {
                    // the guest ended already: say what it emitted that went nowhere
                    state = FtState.OUTPUT_REFUSED;
                    reason = "output not taken: " + why;
                    log.println("ft: output not taken (" + why + ") as the guest ended; the rest of its output"
                            + " is lost");
                    log.flush();
                }
            });
        }
        if (lease != null && !fenced && state != FtState.HANDED_OVER) {
            // the guest ended: a standby cut off from us (never told) must learn it from the witness
            lease.end();
        }
        FtWire w = wire;
        if (w != null) {
            w.close();
        }
    }

    /** While protected: tells the standby not to take over, because the guest ended here. */
    private synchronized void endProtection(String why) {
        FtWire w = wire;
        if (w == null || state != FtState.PROTECTED) {
            return;
        }
        try {
            w.send(FtMessage.REFUSED, why);
        } catch (IOException | RuntimeException ignored) {
            // the standby is gone already
        }
        state = FtState.UNPROTECTED;
        reason = why;
    }

    /** Thrown inside the checkpoint thread when {@link #close()} ends it. */
    private static final class ClosingException extends IOException {
        ClosingException() {
            super("closing");
        }
    }
}
