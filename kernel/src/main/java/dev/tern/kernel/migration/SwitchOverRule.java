package dev.tern.kernel.migration;

import java.util.List;

/**
 * When pre-copy stops iterating and pauses the guest: after a round whose estimate fits
 * {@code downtime-limit}, unless one more round is likely to make the pause much shorter.
 *
 * <p>"Fits" alone (QEMU's rule) switches over at the first estimate under the limit, and the pause
 * then comes close to the limit whenever that first fit is a large dirty set: a 64 MiB working
 * set rewritten faster than a round fits 300 ms on a fast wire and is then sent in a ~250 ms pause,
 * although a further round would have sent it as XBZRLE deltas of a dozen bytes a page. So:
 * <ol>
 *   <li>an estimate within a quarter of the limit switches over at once: the pause is short already;
 *   <li>with a delta codec, not before the third estimate: the first pass sends raw pages without
 *       filling any cache, the round after it misses the cache on every page, and only the round
 *       after that says what the codec does to the pages the guest keeps rewriting;
 *   <li>otherwise another round while the estimates still fall (each below 3/4 of the one before;
 *       a first estimate has no trend yet and gets one more round to show it), at most {@link #EXTRA_ROUNDS} rounds after the first fit, so a guest whose estimate hovers
 *       near the limit is not kept iterating: the budget is spent, and the next fit switches over.
 * </ol>
 * A pure function of the estimates so far, so every decision can be checked after the fact.
 */
public final class SwitchOverRule {

    /** Rounds run after the first fitting estimate, at most, hoping for a shorter pause. */
    public static final int EXTRA_ROUNDS = 3;

    private final long limitMs;
    private final boolean deltaCodec;

    /** The rule for {@code downtime-limit} {@code limitMs}, with or without a delta codec on the rounds. */
    public SwitchOverRule(long limitMs, boolean deltaCodec) {
        if (limitMs < 0) {
            throw new IllegalArgumentException("downtime limit must be >= 0, was " + limitMs);
        }
        this.limitMs = limitMs;
        this.deltaCodec = deltaCodec;
    }

    /** Whether to pause now, given every estimate so far in order (the last is the current one). */
    public boolean switchNow(List<DowntimeEstimate> estimates) {
        if (estimates.isEmpty()) {
            throw new IllegalArgumentException("no estimate yet");
        }
        DowntimeEstimate now = estimates.getLast();
        if (!now.fits(limitMs)) {
            return false;
        }
        if (now.millis() <= limitMs / 4) {
            return true;
        }
        int firstFit = firstFit(estimates);
        int extra = estimates.size() - 1 - firstFit;
        if (extra >= EXTRA_ROUNDS) {
            return true;
        }
        if (deltaCodec && estimates.size() < 3) {
            return false;
        }
        if (estimates.size() < 2) {
            return false; // no trend yet: one more round shows whether the estimate falls
        }
        DowntimeEstimate before = estimates.get(estimates.size() - 2);
        return now.millis() >= before.millis() * 0.75; // no longer falling by a quarter a round
    }

    private int firstFit(List<DowntimeEstimate> estimates) {
        for (int i = 0; i < estimates.size(); i++) {
            if (estimates.get(i).fits(limitMs)) {
                return i;
            }
        }
        throw new IllegalStateException("unreachable: the last estimate fits");
    }
}
