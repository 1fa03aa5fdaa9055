package dev.tern.kernel.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pace on a clock that only the sleeps (and the "sending" the test says) advance. */
class BandwidthPaceTest {

    private long now;
    private final List<Long> sleeps = new ArrayList<>();

    private BandwidthPace pace(long bytesPerSecond) {
        return new BandwidthPace(bytesPerSecond, () -> now, nanos -> {
            sleeps.add(nanos);
            now += nanos;
        });
    }

    @Test
    void instantWritesAreSpreadOverTheTimeTheRateAllows() throws InterruptedException {
        BandwidthPace p = pace(1 << 20); // 1 MiB/s
        for (int i = 0; i < 10; i++) {
            p.sent(1 << 20); // each write takes no time of its own
        }
        assertEquals(10_000_000_000L, now, "10 MiB at 1 MiB/s: ten seconds from the first write");
        assertEquals(10, sleeps.size());
    }

    @Test
    void aSenderSlowerThanTheRateNeverWaits() throws InterruptedException {
        BandwidthPace p = pace(1 << 20);
        for (int i = 0; i < 5; i++) {
            now += 2_000_000_000L; // a 1 MiB write takes two seconds by itself
            p.sent(1 << 20);
        }
        assertTrue(sleeps.isEmpty(), sleeps.toString());
    }

    @Test
    void theAverageFromTheStartIsWhatCounts() throws InterruptedException {
        BandwidthPace p = pace(1000);
        p.sent(1000); // sent at once: one second ahead of the rate
        assertEquals(List.of(1_000_000_000L), sleeps);
        now += 3_000_000_000L;
        p.sent(1000); // 2000 bytes in 4 s: behind, no wait
        assertEquals(1, sleeps.size());
    }

    @Test
    void zeroIsNoLimitAndANegativeRateIsRefused() throws InterruptedException {
        BandwidthPace p = pace(0);
        p.sent(Long.MAX_VALUE / 2);
        assertTrue(sleeps.isEmpty());
        assertThrows(IllegalArgumentException.class, () -> pace(-1));
    }
}
