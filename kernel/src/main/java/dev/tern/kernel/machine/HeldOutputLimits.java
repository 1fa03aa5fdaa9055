package dev.tern.kernel.machine;

import dev.tern.kernel.state.StreamLimits;

/**
 * How much held output a fault-tolerant pair may keep (docs/protocols/ft.md, "Limits"; the
 * {@code --ft} keys {@code held-batches=}, {@code held-bytes=} and {@code epoch-bytes=}). On the
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
 * @param epochBytes bytes of the current epoch that force a checkpoint without waiting for the output latency
 */
public record HeldOutputLimits(int batches, long bytes, long epochBytes) {

    /** The most batches: each is a checkpoint's worth of output, and 65,536 of them are an hour at 50 ms. */
    public static final int MAX_BATCHES = 1 << 16;
    /** The most held bytes: the standby keeps this plus one section's bound on its heap. */
    public static final long MAX_BYTES = 1L << 30;
    /**
     * The most epoch bytes: half a section's bound, so that the epoch's {@code held-output}
     * section (the bytes plus a few per output) forces its checkpoint well before that bound
     * would fail it.
     */
    public static final long MAX_EPOCH_BYTES = StreamLimits.FULL_SECTION_BYTES / 2;

    /** The limits unless configured: 64 batches (seconds of checkpoints), 32 MiB, and epochs of 8 MiB. */
    public static final HeldOutputLimits DEFAULT = new HeldOutputLimits(64, 32L << 20);

    public HeldOutputLimits {
        if (batches < 1 || batches > MAX_BATCHES) {
            throw new IllegalArgumentException("held output limit of " + batches + " batches is not within 1.."
                    + MAX_BATCHES);
        }
        if (bytes < 1 || bytes > MAX_BYTES) {
            throw new IllegalArgumentException("held output limit of " + bytes + " bytes is not within 1.." + MAX_BYTES);
        }
        if (epochBytes < 1 || epochBytes > Math.min(bytes, MAX_EPOCH_BYTES)) {
            throw new IllegalArgumentException("an epoch of " + epochBytes + " held bytes is not within 1.."
                    + Math.min(bytes, MAX_EPOCH_BYTES) + " (the held bytes, and half a section's bound)");
        }
    }

    /** {@code batches} and {@code bytes}, with epochs of a quarter of the bytes (at most {@link #MAX_EPOCH_BYTES}). */
    public HeldOutputLimits(int batches, long bytes) {
        this(batches, bytes, defaultEpochBytes(bytes));
    }

    /** The epoch bytes that go with {@code bytes} unless configured: a quarter of them, within 1..{@link #MAX_EPOCH_BYTES}. */
    public static long defaultEpochBytes(long bytes) {
        return Math.clamp(bytes / 4, 1, MAX_EPOCH_BYTES);
    }

    /**
     * The bytes a standby keeps at most: the primary's limit, which it checks before it seals an
     * epoch, plus that epoch, which a section's bound limits.
     */
    public long keptBytes() {
        return bytes + StreamLimits.FULL_SECTION_BYTES;
    }

    /**
     * What a pair must share, for the handshake's configuration check: a standby keeping fewer
     * batches or bytes than its primary holds would refuse checkpoints of a lease-delayed primary.
     */
    public String describe() {
        return "held output: at most " + batches + " batches, " + bytes + " bytes";
    }

    /** For {@code info ft}. */
    @Override
    public String toString() {
        return batches + " batches, " + bytes + " bytes; epoch " + epochBytes + " bytes";
    }
}
