package dev.tern.kernel.migration;

import java.util.Locale;

/** Where a migration stands, with QEMU's {@code query-migrate} status names. */
public enum MigrationStatus {
    /** Connecting, enabling the dirty log, sending the RAM layout. */
    SETUP,
    /** Iterating: sending dirty pages while the guest runs. */
    ACTIVE,
    /** Switch-over: the guest is paused, the last pages and device state are sent. */
    DEVICE,
    /**
     * Post-copy: the guest runs on the destination, which fetches the pages it still lacks; the
     * source can never run the guest again.
     */
    POSTCOPY_ACTIVE,
    /**
     * Post-copy recovery: the connection was lost; the destination's guest waits for its missing
     * pages and this side keeps them until {@code migrate -r URI} reconnects.
     */
    POSTCOPY_PAUSED,
    /** Post-copy recovery: reconnecting; back to {@link #POSTCOPY_ACTIVE} once the destination agreed. */
    POSTCOPY_RECOVER,
    /** The destination accepted the guest; the source stays paused (post-migrate). */
    COMPLETED,
    /** The migration stopped on an error; the source guest runs on as before. */
    FAILED,
    /** A cancel was asked for and is being carried out. */
    CANCELLING,
    /** Cancelled; the source guest runs on as before. */
    CANCELLED;

    /** Whether no further change follows. */
    public boolean isFinal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }

    /** The name as {@code info migrate} prints it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
