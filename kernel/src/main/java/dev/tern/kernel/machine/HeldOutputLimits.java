package dev.tern.kernel.machine;

import dev.tern.kernel.state.StreamLimits;

/**
 * How much held output a fault-tolerant pair may keep (docs/protocols/ft.md, "Limits"). On the
 * primary: the sealed batches not yet delivered (their checkpoint not acknowledged, or its
 * delivery held back by the lease) and their bytes; at either limit the primary takes no
 * checkpoint and keeps the guest paused until delivery makes room — output is never dropped. The
 * current epoch is not sealed yet: reaching {@link #epochBytes()} it forces a checkpoint at once,
 * and a section's bound ({@link StreamLimits#FULL_SECTION_BYTES}) is its hard limit.
 * On the standby: the batches it keeps until the primary reports them delivered, and their bytes;
 * a checkpoint whose batch would go past either is refused before anything is applied.
 *
 * @param batches sealed, undelivered batches the primary holds at most, and batches the standby keeps
 * @param bytes bytes of sealed, undelivered batches at which the primary stops taking checkpoints
 */
public record HeldOutputLimits(int batches, long bytes) {

    /** The limits of every machine: 64 batches (seconds of checkpoints) and 32 MiB. */
    public static final HeldOutputLimits DEFAULT = new HeldOutputLimits(64, 32L << 20);

    public HeldOutputLimits {
        if (batches < 1 || bytes < 1) {
            throw new IllegalArgumentException("held output limits of " + batches + " batches and " + bytes
                    + " bytes are not positive");
        }
    }

    /** The bytes of one epoch that force a checkpoint without waiting for the output latency: a quarter of the limit. */
    public long epochBytes() {
        return Math.max(1, bytes / 4);
    }

    /**
     * The bytes a standby keeps at most: the primary's limit, which it checks before it seals an
     * epoch, plus that epoch, which a section's bound limits.
     */
    public long keptBytes() {
        return bytes + StreamLimits.FULL_SECTION_BYTES;
    }
}
