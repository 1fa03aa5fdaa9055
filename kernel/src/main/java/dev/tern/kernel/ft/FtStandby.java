package dev.tern.kernel.ft;

import dev.tern.kernel.machine.HeldOutputLimits;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.ram.CodecPlugins;
import dev.tern.kernel.state.StreamLimits;
import dev.tern.kernel.vm.VmState;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.Listener;
import dev.tern.spi.transport.RefusedConnectionException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The standby of a fault-tolerant pair. Its machine is created with the primary's options and
 * never runs while the primary lives: {@link #await()} listens, authenticates a primary (a refused
 * one is told why, and the standby waits for the next), then stages each checkpoint and applies it
 * only when complete and verified ({@link CheckpointApplier}). It returns when this process must
 * run the guest — the primary went silent for the heartbeat timeout, its connection broke, or it
 * handed over — or must end without running it.
 */
public final class FtStandby implements FtNode {

    /** What {@link #await()} decided. */
    public enum Outcome {
        /** Start the machine: it holds the last complete checkpoint. */
        TAKE_OVER,
        /** Do not run the guest: the primary ended protection (its guest ended, or it gave up on this standby). */
        PRIMARY_ENDED,
        /** Do not run the guest: no complete checkpoint, or one was refused and the state is stale. */
        UNUSABLE,
        /** This process was told to end ({@link #abandon()}, e.g. the monitor's {@code quit}). */
        ABANDONED,
        /** Do not run the guest: the witness did not grant the lease (the primary holds it, or is unreachable). */
        FENCED
    }

    private final Machine machine;
    private final FtConfig config;
    private final PluginRegistry plugins;
    private final CodecPlugins codecs;
    private final PrintStream log;
    private final Object lock = new Object();
    private final long maxStream;
    private volatile FtState state = FtState.CONNECTING;
    private volatile String reason = "";
    private volatile long applied = -1;
    /** Pre-copy rounds of the current full sync applied so far. */
    private volatile long precopied;
    private volatile long bytesReceived;
    private volatile long lastApplyNanos;
    private volatile boolean abandoned;
    private volatile java.io.Closeable current;
    private volatile long sessionTimeoutNanos;
    /** The lease taken before taking over; null without fencing. */
    private volatile Lease lease;
    private volatile FtPrimary successor;
    /** When the primary was last heard and when its loss (or hand-over) was noticed, at taking over; 0 before. */
    private volatile long lastHeardAtLoss;
    private volatile long lossNoticed;
    /** From the primary last heard to the guest running here, once it runs; -1 before. */
    private volatile long failoverNanos = -1;
    // guarded by lock
    private long lastHeard;
    private boolean busy;
    private boolean silent;

    public FtStandby(Machine machine, FtConfig config, PluginRegistry plugins, PrintStream log) {
        if (config.role() != FtRole.STANDBY) {
            throw new IllegalArgumentException("not a standby configuration");
        }
        this.machine = machine;
        this.config = config;
        this.plugins = plugins;
        this.codecs = new CodecPlugins(plugins);
        this.log = log;
        machine.outputs().limit(config.heldOutput());
        // a checkpoint is at most all of RAM as encoded records (a codec's page plus its index and
        // length: 3 bytes more than a NORMAL one), plus the device sections
        long ram = machine.memory().regions().stream().filter(r -> !r.readOnly()).mapToLong(r -> r.length()).sum();
        this.maxStream = ram / GuestMemory.PAGE_SIZE * (GuestMemory.PAGE_SIZE + 11) + StreamLimits.FULL_SECTION_BYTES
                + (1 << 20);
    }

    @Override
    public FtRole role() {
        return FtRole.STANDBY;
    }

    @Override
    public FtState state() {
        return state;
    }

    /** The last checkpoint applied, -1 before the full sync. */
    public long applied() {
        return applied;
    }

    @Override
    public String render() {
        return "role: standby\nstate: " + state.label() + (reason.isEmpty() ? "" : " (" + reason + ")") + "\n"
                + "listening: " + config.address() + "\nfencing: " + config.fencing().describe()
                + "\nlast checkpoint applied: " + applied + " (apply "
                + String.format("%.3f", lastApplyNanos / 1e6) + " ms)\nbytes received: " + bytesReceived + "\n"
                + "held-output limits: " + keptLimits(machine.outputs().limits()) + "\n"
                + (failoverNanos < 0 ? "" : String.format("failover: guest running %.1f ms after the primary was last heard%n",
                failoverNanos / 1e6));
    }

    /** What a standby keeps at most of the batches its primary has not reported delivered. */
    private static String keptLimits(HeldOutputLimits limits) {
        return "keeps at most " + limits.batches() + " batches, " + limits.keptBytes() + " bytes (held-bytes "
                + limits.bytes() + " + one epoch's section)";
    }

    /**
     * After {@link Outcome#TAKE_OVER} with {@code reprotect=}: the primary this process now is,
     * protecting the guest with the next standby (start it once the machine runs; the monitor's
     * {@code info ft} and {@code ft_failover} are its); null otherwise.
     */
    public FtPrimary successor() {
        return successor;
    }

    /** Blocks until the guest must run here, or must not run at all; says why on the log. */
    public Outcome await() throws IOException {
        machine.lifecycle().transition(VmState.INMIGRATE);
        try (Listener listener = MigrationUri.parse(config.address()).listen(plugins)) {
            current = listener;
            log.println("ft: standby waiting for a primary on " + listener.address() + " (fencing: "
                    + config.fencing().describe() + ")");
            log.flush();
            while (true) {
                Connection c;
                try {
                    c = listener.accept();
                } catch (RefusedConnectionException e) {
                    if (abandoned) {
                        return Outcome.ABANDONED;
                    }
                    // a stray or untrusted peer: the primary may still come
                    log.println("ft: refused a connection: " + e.getMessage() + "; waiting for a primary");
                    log.flush();
                    continue;
                } catch (IOException e) {
                    if (abandoned) {
                        return Outcome.ABANDONED;
                    }
                    throw e;
                }
                FtWire w = new FtWire(c);
                current = w::close;
                if (abandoned) {
                    w.close();
                    return Outcome.ABANDONED;
                }
                state = FtState.SYNCING;
                long timeoutMs;
                try {
                    // bounded: a peer that connects and says nothing must not hold the accept loop
                    String description = FtHandshake.describe(machine, config);
                    FtHandshake.Accepted accepted = w.within(config.effectiveHandshakeTimeout().toMillis(),
                            "the handshake", "handshake-timeout", () -> FtHandshake.standby(w, config.secret(),
                                    description, machine.vcpus().size(), codecs.available()::contains));
                    timeoutMs = config.timeout() != null ? config.timeout().toMillis() : accepted.timeoutMillis();
                } catch (FtPrimaryLostException e) {
                    w.close();
                    if (abandoned) {
                        return Outcome.ABANDONED;
                    }
                    // the authenticated primary: no checkpoint came, and none will from it
                    state = FtState.BROKEN;
                    reason = "primary lost in the handshake: " + e.getMessage();
                    // worded as a loss after ACCEPTED: a primary dying right after CONFIG may be either
                    log.println("ft: primary lost before the first checkpoint completed (in the handshake with "
                            + w.peer() + ": " + e.getMessage() + "); nothing to run");
                    log.flush();
                    return Outcome.UNUSABLE;
                } catch (IOException | RuntimeException e) {
                    log.println("ft: refused primary " + w.peer() + ": " + e.getMessage() + "; waiting for another");
                    log.flush();
                    w.close();
                    current = listener;
                    if (abandoned) {
                        return Outcome.ABANDONED;
                    }
                    state = FtState.CONNECTING;
                    continue;
                }
                log.println("ft: primary " + w.peer() + " authenticated; heartbeat timeout " + timeoutMs + " ms");
                log.flush();
                return session(w, TimeUnit.MILLISECONDS.toNanos(timeoutMs));
            }
        }
    }

    private Outcome session(FtWire w, long timeoutNanos) {
        sessionTimeoutNanos = timeoutNanos;
        synchronized (lock) {
            lastHeard = System.nanoTime();
        }
        Thread beats = Thread.ofPlatform().daemon().name("tern-ft-heartbeat").start(() -> beat(w, timeoutNanos));
        Thread watchdog = Thread.ofPlatform().daemon().name("tern-ft-watchdog").start(() -> watch(w, timeoutNanos));
        try (CheckpointApplier applier = new CheckpointApplier(machine, codecs::decoder)) {
            Outcome o = receive(w, applier);
            return o;
        } catch (IOException | RuntimeException e) {
            return lost(e);
        } finally {
            beats.interrupt();
            watchdog.interrupt();
            w.close();
        }
    }

    private Outcome receive(FtWire w, CheckpointApplier applier) throws IOException {
        while (true) {
            FtWire.Message m = w.receive();
            heard();
            switch (m.kind()) {
                case HEARTBEAT -> FtWire.exactly(m, 0);
                case RELEASED -> released(FtWire.exactly(m, 12));
                case CHECKPOINT_BEGIN -> {
                    Outcome o = checkpoint(w, applier, FtWire.exactly(m, 28));
                    if (o != null) {
                        return o;
                    }
                }
                case PRECOPY_BEGIN -> {
                    Outcome o = precopy(w, applier, FtWire.exactly(m, 28));
                    if (o != null) {
                        return o;
                    }
                }
                case FAILOVER -> {
                    long seq = FtWire.exactly(m, 8).getLong();
                    if (seq != applied) {
                        throw new IOException("ft wire: FAILOVER at checkpoint " + seq + ", but checkpoint " + applied
                                + " is the last applied");
                    }
                    noticeLoss();
                    Outcome fence = takeLease();
                    if (fence != null) {
                        return fence;
                    }
                    state = FtState.FAILED_OVER;
                    reason = "handed over at checkpoint " + seq;
                    log.println("ft: primary handed over at checkpoint " + seq + "; running as primary");
                    log.flush();
                    return takeOver();
                }
                case REFUSED -> {
                    return primaryEnded(m.text());
                }
                default -> throw new IOException("ft wire: unexpected " + m.kind() + " from the primary");
            }
        }
    }

    /** RELEASED: the primary delivered the first outputs of a checkpoint's batch; a count beyond the batch is refused. */
    private void released(ByteBuffer b) throws IOException {
        long seq = b.getLong();
        long count = Integer.toUnsignedLong(b.getInt());
        var wrong = machine.outputs().deliveredByPrimary(seq, count);
        if (wrong.isPresent()) {
            throw new IOException("ft wire: RELEASED " + seq + " (count at payload byte 8): " + wrong.get());
        }
    }

    private Outcome primaryEnded(String why) {
        state = FtState.BROKEN;
        reason = "the primary ended protection: " + why;
        log.println("ft: the primary ended protection (" + why + "); the standby ends without running the guest");
        log.flush();
        return Outcome.PRIMARY_ENDED;
    }

    /**
     * Stages one checkpoint, verifies and applies it; null when applied, else how the session ends
     * (a refused checkpoint leaves the state as it was).
     */
    private Outcome checkpoint(FtWire w, CheckpointApplier applier, ByteBuffer head) throws IOException {
        long seq = head.getLong();
        long records = head.getLong();
        long length = head.getLong();
        int crc = head.getInt();
        if (seq != applied + 1) {
            throw new IOException("ft wire: checkpoint " + seq + " follows checkpoint " + applied);
        }
        Received r = stage(w, "checkpoint", seq, records, length);
        if (r.outcome() != null) {
            return r.outcome();
        }
        return apply(w, applier, seq, records, r.stream(), crc) ? null : Outcome.UNUSABLE;
    }

    /**
     * Stages one pre-copy round of the full sync and applies it at once: before checkpoint 0 the
     * standby holds nothing to take over from, so there is no previous state to keep. Null when
     * applied, else how the session ends.
     */
    private Outcome precopy(FtWire w, CheckpointApplier applier, ByteBuffer head) throws IOException {
        long round = head.getLong();
        long records = head.getLong();
        long length = head.getLong();
        int crc = head.getInt();
        if (applied >= 0 || round != precopied) {
            throw new IOException("ft wire: pre-copy round " + round + " after " + precopied + " rounds and checkpoint "
                    + applied);
        }
        Received r = stage(w, "pre-copy round", round, records, length);
        if (r.outcome() != null) {
            return r.outcome();
        }
        setBusy(true);
        try {
            applier.precopy(round, records, r.stream(), crc);
        } catch (IOException e) {
            refuse(w, "pre-copy round " + round, e.getMessage());
            return Outcome.UNUSABLE;
        } finally {
            setBusy(false);
        }
        precopied++;
        return null;
    }

    /** A staged stream, or how the session ended while it came. */
    private record Received(byte[] stream, Outcome outcome) {
    }

    /** Receives the DATA of a stream announced as {@code length} bytes, up to its END. */
    private Received stage(FtWire w, String what, long seq, long records, long length) throws IOException {
        if (length < 0 || length > maxStream || length > Integer.MAX_VALUE - 8 || records < 0) {
            throw new IOException("ft wire: " + what + " " + seq + " announces " + length + " bytes and " + records
                    + " page records, at most " + maxStream + " bytes fit this machine");
        }
        byte[] stream = new byte[(int) length];
        int filled = 0;
        while (true) {
            FtWire.Message m = w.receive();
            heard();
            switch (m.kind()) {
                case HEARTBEAT -> FtWire.exactly(m, 0);
                case CHECKPOINT_DATA -> {
                    int n = m.payload().remaining();
                    if (n > stream.length - filled) {
                        throw new IOException("ft wire: " + what + " " + seq + " sends more than the " + length
                                + " bytes it announced");
                    }
                    m.payload().get(stream, filled, n);
                    filled += n;
                    bytesReceived += n;
                }
                case CHECKPOINT_END -> {
                    long end = FtWire.exactly(m, 8).getLong();
                    if (end != seq || filled != stream.length) {
                        refuse(w, what + " " + seq, what + " " + seq + " ended as " + end + " after " + filled
                                + " of " + length + " bytes; nothing applied");
                        return new Received(null, Outcome.UNUSABLE);
                    }
                    return new Received(stream, null);
                }
                case REFUSED -> {
                    return new Received(null, primaryEnded(m.text())); // mid-stream: it is dropped
                }
                default -> throw new IOException("ft wire: " + m.kind() + " inside " + what + " " + seq);
            }
        }
    }

    private boolean apply(FtWire w, CheckpointApplier applier, long seq, long records, byte[] stream, int crc)
            throws IOException {
        setBusy(true);
        try {
            long t0 = System.nanoTime();
            applier.apply(seq, records, stream, crc);
            lastApplyNanos = System.nanoTime() - t0;
        } catch (IOException e) {
            return refuse(w, "checkpoint " + seq, e.getMessage());
        } finally {
            setBusy(false);
        }
        applied = seq;
        if (seq == 0) {
            state = FtState.PROTECTED;
            log.println("ft: in sync with primary " + w.peer() + " (checkpoint 0, " + stream.length + " bytes)");
            log.flush();
        }
        try {
            w.sendLong(FtMessage.ACK, seq);
        } catch (IOException e) {
            // Not yet a loss: the primary may have ended protection, and its REFUSED saying so is
            // still to be read. The next read tells (REFUSED, or end of stream).
        }
        return true;
    }

    private boolean refuse(FtWire w, String what, String why) {
        state = FtState.BROKEN;
        reason = why;
        try {
            w.send(FtMessage.REFUSED, why);
        } catch (IOException | RuntimeException ignored) {
            // the primary is gone; it would not have listened anyway
        }
        log.println("ft: refused " + what + ": " + why + "; the standby stays at checkpoint " + applied
                + " and ends without running the guest");
        log.flush();
        return false;
    }

    /**
     * Ends {@link #await()} from another thread without running the guest: closes what it waits
     * on. The primary then sees its standby go away.
     */
    public void abandon() {
        abandoned = true;
        java.io.Closeable c = current;
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing is all that is asked
            }
        }
    }

    private Outcome lost(Exception e) {
        if (abandoned) {
            state = FtState.BROKEN;
            reason = "abandoned";
            return Outcome.ABANDONED;
        }
        boolean timedOut;
        synchronized (lock) {
            timedOut = silent;
        }
        noticeLoss();
        String why = timedOut ? "no message within the heartbeat timeout" : e.getMessage();
        if (applied < 0) {
            state = FtState.BROKEN;
            reason = "primary lost before the full sync: " + why;
            log.println("ft: primary lost before the first checkpoint completed (" + why + "); nothing to run");
            log.flush();
            return Outcome.UNUSABLE;
        }
        Outcome fence = takeLease();
        if (fence != null) {
            return fence;
        }
        state = FtState.FAILED_OVER;
        reason = "primary lost: " + why;
        log.println("ft: primary lost after checkpoint " + applied + "; running as primary (" + why + ")");
        log.flush();
        return takeOver();
    }

    /**
     * Delivers the last checkpoint's output, unless the primary said it delivered it; with
     * {@code reprotect=}, becomes the primary of the next standby, which inherits the lease.
     */
    private Outcome takeOver() {
        var outputs = machine.outputs();
        int delivered = outputs.takeOver();
        // how many outputs the world may see twice, if the primary died while delivering them
        log.println("ft: delivered " + delivered + " outputs held at checkpoint " + applied
                + " that the primary had not reported released");
        log.flush();
        var notTaken = outputs.refusal();
        if (notTaken.isPresent()) {
            state = FtState.BROKEN;
            reason = "output not taken: " + notTaken.get();
            log.println("ft: output not taken (" + notTaken.get() + "); the standby ends without running the guest");
            log.flush();
            return Outcome.UNUSABLE;
        }
        // running unprotected from here: output that goes nowhere ends the run (a successor says so itself)
        outputs.onRefused(why -> {
            log.println("ft: output not taken (" + why + "); the guest stops here");
            log.flush();
            machine.fail("ft: the guest stopped because its output was not taken: " + why);
        });
        if (config.reprotect() != null) {
            successor = FtPrimary.successor(machine, config.successor(java.time.Duration.ofNanos(sessionTimeoutNanos)),
                    plugins, log, lease);
        }
        return Outcome.TAKE_OVER;
    }

    /**
     * With fencing, the lease before the guest may run here, kept while it runs; null when
     * granted (or without fencing), else how the standby ends.
     */
    private Outcome takeLease() {
        Lease l = Lease.of(config, plugins, java.time.Duration.ofNanos(sessionTimeoutNanos), false);
        if (l == null) {
            return null;
        }
        // the wait may be a whole lease period (a stalled primary's must run out): say what it is for
        log.println("ft: asking " + l.where() + " for the lease before running the guest from checkpoint " + applied);
        log.flush();
        Lease.Acquired a;
        try {
            a = l.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            a = Lease.Acquired.UNREACHABLE;
        }
        if (a == Lease.Acquired.GRANTED) {
            lease = l;
            l.keep(why -> {
                log.println("ft: lease lost (" + why + "); stopping the guest");
                log.flush();
                machine.stop("ft: the lease (" + l.where() + ") was lost; the guest stopped here");
            });
            return null;
        }
        l.close();
        state = FtState.FENCED;
        reason = switch (a) {
            case HELD_BY_A_LIVE_PRIMARY -> "the primary still holds the lease " + l.place();
            case GUEST_ENDED -> "the guest ended at the primary (" + l.authority() + " says so)";
            default -> l.where() + " is unreachable";
        };
        log.println("ft: not taking over after checkpoint " + applied + ": " + reason
                + "; the standby ends without running the guest");
        log.flush();
        return a == Lease.Acquired.GUEST_ENDED ? Outcome.PRIMARY_ENDED : Outcome.FENCED;
    }

    private void noticeLoss() {
        lossNoticed = System.nanoTime();
        synchronized (lock) {
            lastHeardAtLoss = lastHeard;
        }
    }

    /**
     * Call once the machine runs after {@link Outcome#TAKE_OVER}: logs the failover time on this
     * process's own clock, from the last message heard from the primary (for a primary that went
     * silent, about when it stopped) to the guest running here, and the part of it after the loss
     * was noticed (the heartbeat timeout, or a broken connection, ends the first part).
     */
    public void guestRunning() {
        long now = System.nanoTime();
        failoverNanos = now - lastHeardAtLoss;
        log.printf("ft: failover: guest running %.1f ms after the primary was last heard (loss noticed after %.1f ms,"
                + " taken over %.1f ms later)%n", failoverNanos / 1e6, (lossNoticed - lastHeardAtLoss) / 1e6,
                (now - lossNoticed) / 1e6);
        log.flush();
    }

    /** From the primary last heard to the guest running here (after {@link #guestRunning()}), else -1. */
    public long failoverNanos() {
        return failoverNanos;
    }

    private void heard() {
        synchronized (lock) {
            lastHeard = System.nanoTime();
        }
    }

    /** While a checkpoint is applied the primary's messages wait in the socket: silence is not loss. */
    private void setBusy(boolean b) {
        synchronized (lock) {
            busy = b;
            lastHeard = System.nanoTime();
        }
    }

    private void watch(FtWire w, long timeoutNanos) {
        try {
            synchronized (lock) {
                while (true) {
                    long quiet = System.nanoTime() - lastHeard;
                    long limit = applied < 0 ? Math.max(timeoutNanos, FtPrimary.SYNC_TIMEOUT.toNanos()) : timeoutNanos;
                    if (!busy && quiet > limit) {
                        silent = true;
                        break;
                    }
                    TimeUnit.NANOSECONDS.timedWait(lock, Math.max(1, timeoutNanos / 8)); // detection resolution
                }
            }
            w.close(); // ends the reader's blocked read: the session takes over
        } catch (InterruptedException e) {
            // the session ended first
        }
    }

    private void beat(FtWire w, long timeoutNanos) {
        long period = Math.max(1, timeoutNanos / 4);
        try {
            while (!Thread.currentThread().isInterrupted()) {
                w.send(FtMessage.HEARTBEAT);
                TimeUnit.NANOSECONDS.sleep(period); // the heartbeat's period, not synchronisation
            }
        } catch (IOException | InterruptedException e) {
            // the session ends and says why
        }
    }
}
