package dev.tern.kernel.migration;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The warm-ups run the switch-over's code for real (the wire exchange, a harvest as large as a
 * guest's): they check what came back, so a broken path shows here rather than as a silent no-op.
 */
class SwitchOverWarmUpTest {

    @Test
    void theWireExchangeComesBackAsSent() throws IOException {
        var wire = new SwitchOverWarmUp.Wire();
        wire.exchange(new byte[300_000], 123_456_789L); // more than one DATA message
        wire.exchange(new byte[1], 0L); // the same ends again, as the warm-up reuses them
        wire.exchange(new byte[0], 7L);
    }

    @Test
    void aNegativeApplyTimeIsRefusedAsTheRealSourceRefusesIt() {
        assertThrows(IOException.class, () -> new SwitchOverWarmUp.Wire().exchange(new byte[8], -1L));
    }

    @Test
    void theHarvestWarmUpWalksWhatItCounts() {
        assertDoesNotThrow(() -> RamPathWarmUp.harvest(256L << 20));
        assertDoesNotThrow(() -> RamPathWarmUp.harvest(4096 * 3 + 1)); // a partial last page, fewer pages than 64
        assertDoesNotThrow(() -> SwitchOverWarmUp.run());
    }
}
