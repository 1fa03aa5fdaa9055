package dev.tern.kernel.ft;

import dev.tern.kernel.plugin.PluginRegistry;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The right to run the guest, which a fault-tolerant pair's two sides take from one authority
 * so that a partition never makes both run: a {@link WitnessLease} ({@code witness=URI}) or a
 * {@link FileLease} ({@code lease=file:PATH}). The primary takes it before its guest runs and
 * keeps it; the standby takes it before it takes over.
 */
sealed interface Lease extends AutoCloseable permits WitnessLease, FileLease {

    /** What {@link #acquire} found. */
    enum Acquired { GRANTED, HELD_BY_A_LIVE_PRIMARY, GUEST_ENDED, UNREACHABLE }

    /** This side's lease as {@code config} names it, lasting {@code lease}; null with {@code fencing=none}. */
    static Lease of(FtConfig config, PluginRegistry plugins, Duration lease, boolean primary) {
        return switch (config.fencing()) {
            case Fencing.Witness w -> new WitnessLease(w.address(), config.secret(), plugins, lease, primary);
            case Fencing.LeaseFile f -> new FileLease(f.path(), lease, primary);
            case Fencing.None n -> null;
        };
    }

    /** The authority with its address, for messages ("the witness tcp:...", "the lease file /p"). */
    String where();

    /** Where a held lease is, for "the primary still holds the lease ..." ("at the witness"). */
    String place();

    /** Who says the guest ended, for "(... says so)" ("the witness"). */
    String authority();

    /**
     * The primary's first acquisition, before its guest runs: retries while the authority is
     * unreachable or an earlier holder keeps it, for at most {@code patience}.
     *
     * @throws IOException naming why no lease was granted
     */
    void acquireFirst(Duration patience) throws IOException, InterruptedException;

    /** The standby's acquisition before it takes over. */
    Acquired acquire() throws InterruptedException;

    /**
     * Keeps the lease from now on, calling {@code onLost} once when it is lost. Called again, it
     * only replaces {@code onLost} (a standby that took over hands its lease to the primary it becomes).
     */
    void keep(Consumer<String> onLost);

    /**
     * Waits until a renewal begun after {@code sinceNanos} succeeded — then no standby can hold
     * the lease until this side stops renewing — or the lease is lost (false).
     */
    boolean confirmedAfter(long sinceNanos) throws InterruptedException;

    /**
     * Whether the last granted renewal still covers now, so no standby can hold the lease yet;
     * false once lost or closed. A primary asks before each release step: after a stall (a
     * SIGSTOP, a long pause) the watchdog may not have noticed yet that the lease ran out.
     */
    boolean validNow();

    /** Why the lease was lost, once it was. */
    String lostWhy();

    /** Records that the guest ended under this lease (no standby may take over), and closes. */
    void end();

    /** Gives the lease back (a planned switch-over: the standby takes it) and closes. */
    void release();

    @Override
    void close();
}
