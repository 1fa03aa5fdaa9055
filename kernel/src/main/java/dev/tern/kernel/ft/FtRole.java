package dev.tern.kernel.ft;

/** Which side of a fault-tolerant pair a process is. */
public enum FtRole {
    /** Runs the guest and streams checkpoints to its standby. */
    PRIMARY,
    /** Holds the last complete checkpoint and runs the guest only when the primary is lost. */
    STANDBY;

    /** The lower-case name used on the command line and in {@code info ft}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
