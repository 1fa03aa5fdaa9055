package dev.tern.kernel.ft;

/** Where a fault-tolerant pair stands, as {@code info ft} shows it. */
public enum FtState {
    /** Primary: connecting to the standby; standby: waiting for a primary. */
    CONNECTING,
    /** The handshake and the full sync (checkpoint 0) are under way. */
    SYNCING,
    /** Checkpoints flow: the guest is protected. */
    PROTECTED,
    /** Primary only: no standby (refused, lost or stopped); the guest runs on without protection. */
    UNPROTECTED,
    /** Standby only: the primary was lost (or handed over) and this process runs the guest. */
    FAILED_OVER,
    /** Primary only: the guest was handed over to the standby with {@code ft_failover}. */
    HANDED_OVER,
    /** Either side: the lease at the witness was lost (or never granted); the guest does not run here. */
    FENCED,
    /** Standby only: a checkpoint was refused; the standby stays at its last checkpoint and never runs. */
    BROKEN,
    /**
     * Primary only: a host sink did not take the guest's output (a full disk) and no standby holds
     * it; the guest stopped here, as the log and {@code info ft} say, naming the sink's failure.
     */
    OUTPUT_REFUSED;

    /** The lower-case name shown by {@code info ft}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
