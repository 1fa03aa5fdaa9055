package dev.tern.kernel.ram;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Multifd's partition: every page falls to exactly one channel, by its 64-page block. */
class PageSetShareTest {

    @Test
    void sharesAreDisjointCoverTheSetAndFollowTheBlock() {
        PageSet all = new PageSet(64 * 10 + 7);
        all.addRange(0, 64 * 10 + 7);
        for (int n = 1; n <= 4; n++) {
            long total = 0;
            for (int i = 0; i < n; i++) {
                PageSet share = all.share(i, n);
                total += share.count();
                for (long p = share.next(0); p >= 0; p = share.next(p + 1)) {
                    assertEquals(i, (p / 64) % n, "page " + p + " of " + n + " channels");
                }
            }
            assertEquals(all.count(), total, n + " channels");
        }
        assertEquals(64 * 5 + 7, all.share(0, 2).count()); // blocks 0, 2, 4, 6, 8 and the partial block 10
    }

    @Test
    void badChannelsAreRefused() {
        PageSet s = new PageSet(100);
        assertThrows(IllegalArgumentException.class, () -> s.share(2, 2));
        assertThrows(IllegalArgumentException.class, () -> s.share(0, 0));
    }
}
