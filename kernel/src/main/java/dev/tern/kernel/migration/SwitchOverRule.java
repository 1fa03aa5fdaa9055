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
 *   <li>otherwise another round while the estimates still fall (each below 3/4 of the one before;
 *       a first estimate has no trend yet and gets one more round to show it), at most
 *       {@link #EXTRA_ROUNDS} rounds after the first fit, so a guest whose estimate hovers near the
 *       limit is not kept iterating: the budget is spent, and the next fit switches over.
 * </ol>
 * A delta codec (XBZRLE) needs no rule of its own: the first pass fills its cache
 * ({@code RamSender.primed}), so the second round, which the first estimate always waits for
 * (unless it is within a quarter), already says what the codec does to the pages the guest keeps
 * rewriting. (Before the first pass filled the cache the rule waited for a third estimate, and the
 * second round sent the working set raw a second time.)
 *
 * <p>A pure function of the estimates so far, so every decision can be checked after the fact.
 */
public final class SwitchOverRule {

    /** Rounds run after the first fitting estimate, at most, hoping for a shorter pause. */
    public static final int EXTRA_ROUNDS = 3;

    private final long limitMs;

    /** The rule for {@code downtime-limit} {@code limitMs}. */
    public SwitchOverRule(long limitMs) {
        if (limitMs < 0) {
            throw new IllegalArgumentException("downtime limit must be >= 0, was " + limitMs);
        }
        this.limitMs = limitMs;
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
