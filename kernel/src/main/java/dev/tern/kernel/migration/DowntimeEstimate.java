package dev.tern.kernel.migration;

/**
 * The expected switch-over pause after one round, from what the round measured: the pages still
 * dirty cost {@code bytesPerPage} each on the wire (compression included, so XBZRLE makes a
 * rewritten page cheap), the device state {@code deviceBytes}, both at {@code bandwidth}; then the
 * destination applies them ({@link DestinationCost}). The {@link SwitchOverRule} reads the estimates
 * to decide when to pause. A pure function of its inputs, which the
 * engine records per round, so the decision can be checked after the fact.
 *
 * @param round the round after which it was made (1 = after the bulk round)
 * @param dirtyPages pages dirty at the end of the round
 * @param bytesPerPage wire bytes a page cost in the round
 * @param deviceBytes bytes of the device state stream
 * @param bandwidth bytes per second the wire is expected to carry (measured, capped by max-bandwidth)
 * @param destination the destination's apply cost
 */
public record DowntimeEstimate(int round, long dirtyPages, double bytesPerPage, long deviceBytes, double bandwidth,
        DestinationCost destination) {

    /** Milliseconds of wire time, or {@link Long#MAX_VALUE} with bytes to send and no bandwidth known. */
    public long transferMs() {
        double bytes = dirtyPages * bytesPerPage + deviceBytes;
        if (bandwidth <= 0) {
            return bytes == 0 ? 0 : Long.MAX_VALUE;
        }
        return (long) Math.ceil(bytes / bandwidth * 1000);
    }

    /** Milliseconds the destination needs to apply the last pages and the devices. */
    public long applyMs() {
        return (destination.nanosFor(dirtyPages) + 999_999) / 1_000_000;
    }

    /** The whole expected pause. */
    public long millis() {
        long transfer = transferMs();
        return transfer == Long.MAX_VALUE ? Long.MAX_VALUE : transfer + applyMs();
    }

    /** Whether switching over now keeps the pause within {@code limitMs}. */
    public boolean fits(long limitMs) {
        return millis() <= limitMs;
    }
}
