package dev.tern.kernel.migration;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SwitchOverRuleTest {

    private static final long LIMIT = 300;

    /** An estimate of exactly {@code ms} milliseconds: 1 MB/s, {@code ms} KB of pages, no apply cost. */
    private static DowntimeEstimate ms(long ms) {
        return new DowntimeEstimate(1, ms, 1000, 0, 1_000_000, DestinationCost.UNKNOWN);
    }

    private static List<DowntimeEstimate> of(long... millis) {
        var list = new ArrayList<DowntimeEstimate>();
        for (long m : millis) {
            list.add(ms(m));
        }
        assertEquals(millis[millis.length - 1], list.getLast().millis(), "test estimates are exact");
        return list;
    }

    /** The round after which the rule pauses, 1-based, over a sequence of estimates; 0 if never. */
    private static int switchesAfter(SwitchOverRule rule, long... millis) {
        for (int n = 1; n <= millis.length; n++) {
            long[] prefix = java.util.Arrays.copyOf(millis, n);
            if (rule.switchNow(of(prefix))) {
                return n;
            }
        }
        return 0;
    }

    private final SwitchOverRule rule = new SwitchOverRule(LIMIT);

    @Test
    void aShortPauseSwitchesAtOnce() {
        assertEquals(1, switchesAfter(rule, 5));
        assertEquals(1, switchesAfter(rule, 75));
    }

    @Test
    void anEstimateOverTheLimitNeverSwitches() {
        assertFalse(rule.switchNow(of(301)));
        assertFalse(rule.switchNow(of(100, 90, 80, 70, 999)), "over the limit, however many rounds ran");
    }

    @Test
    void aFirstFitNearTheLimitGetsOneMoreRoundToShowItsTrend() {
        assertEquals(2, switchesAfter(rule, 240, 230), "flat: the second round switches");
        assertEquals(3, switchesAfter(rule, 240, 150, 140), "fell by more than a quarter, then flat");
        assertEquals(3, switchesAfter(rule, 240, 150, 70), "fell into the quarter of the limit");
    }

    @Test
    void aFallingEstimateKeepsIteratingAtMostThreeRoundsPastTheFirstFit() {
        assertEquals(1 + SwitchOverRule.EXTRA_ROUNDS, switchesAfter(rule, 290, 200, 140, 90, 60));
        assertEquals(3 + SwitchOverRule.EXTRA_ROUNDS, switchesAfter(rule, 900, 500, 290, 200, 140, 90, 60));
    }

    @Test
    void anEstimateThatRoseOverTheLimitAfterAFitSwitchesAtTheNextFitOnceTheBudgetIsSpent() {
        assertEquals(5, switchesAfter(rule, 250, 400, 500, 600, 280));
    }

    @Test
    void theRewriterWithADeltaCodecSwitchesAfterItsFirstDeltaRound() {
        // the first pass costs raw pages and fills the codec's cache; the second round sends deltas
        assertEquals(2, switchesAfter(rule, 240, 30));
        assertEquals(2, switchesAfter(rule, 240, 235), "the second estimate is flat: pause then");
        assertEquals(3, switchesAfter(rule, 240, 170, 165));
    }

    @Test
    void noEstimateIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> rule.switchNow(List.of()));
        assertThrows(IllegalArgumentException.class, () -> new SwitchOverRule(-1));
    }

    @Test
    void aHugePreviousEstimateDoesNotOverflow() {
        var list = new ArrayList<>(of(100));
        list.addFirst(new DowntimeEstimate(1, 1, 1, 0, 0, DestinationCost.UNKNOWN)); // no bandwidth: MAX_VALUE
        assertEquals(Long.MAX_VALUE, list.getFirst().millis());
        assertFalse(rule.switchNow(list), "fell from 'unknown' to 100 ms: one more round");
        list.add(ms(95));
        assertTrue(rule.switchNow(list));
    }
}
