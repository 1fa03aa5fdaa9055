package dev.tern.kernel.ram;

import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PageSetTest {

    @Test
    void rangesAndRunsMatchABitSetModel() {
        var rnd = new Random(12);
        for (int trial = 0; trial < 200; trial++) {
            long pages = 1 + rnd.nextInt(700);
            PageSet set = new PageSet(pages);
            BitSet model = new BitSet();
            for (int r = 0; r < 1 + rnd.nextInt(6); r++) {
                long from = rnd.nextInt((int) pages + 5) - 2;
                long to = from + rnd.nextInt(200);
                set.addRange(from, to);
                model.set((int) Math.max(0, from), (int) Math.max(Math.max(0, from), Math.min(to, pages)));
            }
            assertEquals(model.cardinality(), set.count());
            for (long p = set.next(0); p >= 0; p = set.next(p + 1)) {
                assertEquals(model.nextSetBit((int) p), (int) p);
                long max = 1 + rnd.nextInt(150);
                int clear = model.nextClearBit((int) p);
                assertEquals(Math.min(max, clear - p), set.runFrom(p, max), "run from " + p + " of " + pages);
            }
            assertEquals(model.isEmpty() ? -1 : model.nextSetBit(0), set.next(0));
        }
    }

    @Test
    void setsOfDifferentRangesMergeWithinTheSmaller() {
        PageSet small = new PageSet(70);
        PageSet big = new PageSet(300);
        big.addRange(60, 300);
        small.addAll(big);
        assertEquals(10, small.count());
        assertEquals(69, small.next(69));
        assertEquals(-1, small.next(70));
    }
}
