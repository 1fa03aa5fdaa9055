package dev.tern.kernel.migration;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DowntimeEstimateTest {

    private static final double MIB = 1 << 20;

    @Test
    void wireCostAfterCompressionDecidesNotRawPageBytes() {
        // 64 MiB rewritten per round at 100 MiB/s: raw, 640 ms of wire; XBZRLE'd to ~12 bytes a page, 2 ms.
        var raw = new DowntimeEstimate(3, 16384, 8 + 4096, 0, 100 * MIB, DestinationCost.UNKNOWN);
        var xbzrle = new DowntimeEstimate(3, 16384, 12, 0, 100 * MIB, DestinationCost.UNKNOWN);
        assertEquals(642, raw.millis());
        assertFalse(raw.fits(300));
        assertEquals(2, xbzrle.millis());
        assertTrue(xbzrle.fits(300));
    }

    @Test
    void theDestinationsApplyTimeIsPartOfThePause() {
        // 1000 pages of 4104 bytes and 100 KB of devices at 10 MB/s: 420.4 ms -> 421 ms of wire;
        // the destination needs 30 ms for devices, 2 us a page (2 ms) and 5 ms fixed: 37 ms.
        var cost = new DestinationCost(30_000_000, 2_000, 5_000_000);
        var e = new DowntimeEstimate(2, 1000, 4104, 100_000, 10_000_000, cost);
        assertEquals(421, e.transferMs());
        assertEquals(37, e.applyMs());
        assertEquals(458, e.millis());
        assertTrue(e.fits(458));
        assertFalse(e.fits(457));
    }

    @Test
    void withoutAMeasuredBandwidthOnlyNothingToSendFits() {
        assertEquals(Long.MAX_VALUE, new DowntimeEstimate(1, 5, 4104, 0, 0, DestinationCost.UNKNOWN).millis());
        assertEquals(0, new DowntimeEstimate(1, 0, 4104, 0, 0, DestinationCost.UNKNOWN).millis());
    }

}
