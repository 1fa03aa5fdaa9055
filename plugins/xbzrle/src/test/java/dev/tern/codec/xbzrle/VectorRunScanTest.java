package dev.tern.codec.xbzrle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tern.codec.xbzrle.ScenarioPages.Scenario;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The SIMD scan against the scalar scan and the byte-wise model: same deltas and overflow decisions
 * for run edges at every offset around block edges and page ends, on random and scenario pages. Needs the JVM option
 * {@code --add-modules jdk.incubator.vector} (surefire's default execution passes it).
 */
class VectorRunScanTest {

    private static final int PAGE = 4096;
    private final RunScan vector = RunScan.vector();
    private final RunScan scalar = RunScan.scalar();

    @Test
    void theVectorScanIsTheOneLoaded() {
        assertEquals("VectorRunScan", vector.getClass().getSimpleName());
    }

    @Test
    void everySingleChangedRunOnShortPagesMatchesTheModel() {
        // Pages of 64..200 bytes put run edges at every offset around block edges and the page end.
        for (int length : new int[] {64, 65, 100, 127, 128, 129, 191, 200}) {
            byte[] old = new byte[length];
            for (int start = 0; start < length; start++) {
                for (int end = start + 1; end <= length; end++) {
                    byte[] cur = old.clone();
                    for (int k = start; k < end; k++) {
                        cur[k] = (byte) (k | 1);
                    }
                    assertSameAsModel(old, cur, length, length, "length " + length + " run " + start + ".." + end);
                }
            }
        }
    }

    @Test
    void twoRunsAroundEveryBlockEdgeMatchTheModel() {
        int length = 4096;
        byte[] old = new byte[length];
        new SplittableRandom(33).nextBytes(old);
        for (int edge = 64; edge < length; edge += 64 * 7) {
            for (int a = edge - 3; a <= edge + 3; a++) {
                for (int gap = 1; gap <= 66; gap += 5) {
                    byte[] cur = old.clone();
                    cur[a] ^= 1;
                    cur[a + 1] ^= 2;
                    cur[Math.min(length - 1, a + 1 + gap)] ^= 4;
                    assertSameAsModel(old, cur, length, length, "edge " + edge + " at " + a + " gap " + gap);
                }
            }
        }
    }

    private void assertSameAsModel(byte[] old, byte[] cur, int length, int dlen, String where) {
        byte[] model = new byte[dlen];
        byte[] ours = new byte[dlen];
        int expected = ByteWiseXbzrleModel.encode(old, cur, length, model, dlen);
        assertEquals(expected, XbzrleEncoding.encode(vector, old, cur, length, ours, dlen), where);
        if (expected > 0) {
            assertArrayEquals(Arrays.copyOf(model, expected), Arrays.copyOf(ours, expected), where);
        }
    }

    @Test
    void bothScansEncodeRandomPagesLikeTheModelUnderAnyLimit() {
        SplittableRandom random = new SplittableRandom(32);
        byte[] viaVector = new byte[PAGE];
        byte[] viaScalar = new byte[PAGE];
        byte[] model = new byte[PAGE];
        for (int round = 0; round < 3000; round++) {
            byte[] old = new byte[PAGE];
            random.nextBytes(old);
            byte[] cur = old.clone();
            int edits = random.nextInt(1 << (2 + random.nextInt(11)));
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(PAGE);
                int span = 1 + random.nextInt(random.nextInt(8) == 0 ? 200 : 4);
                for (int k = at; k < Math.min(PAGE, at + span); k++) {
                    cur[k] = (byte) random.nextInt(256);
                }
            }
            int dlen = random.nextInt(3) == 0 ? random.nextInt(PAGE + 1) : PAGE;
            int expected = ByteWiseXbzrleModel.encode(old, cur, PAGE, model, dlen);
            assertEquals(expected, XbzrleEncoding.encode(vector, old, cur, PAGE, viaVector, dlen), "round " + round);
            assertEquals(expected, XbzrleEncoding.encode(scalar, old, cur, PAGE, viaScalar, dlen), "round " + round);
            if (expected > 0) {
                assertArrayEquals(Arrays.copyOf(model, expected), Arrays.copyOf(viaVector, expected), "round " + round);
                assertArrayEquals(Arrays.copyOf(model, expected), Arrays.copyOf(viaScalar, expected), "round " + round);
            }
        }
    }

    @Test
    void bothScansGiveIdenticalDeltasOnEveryScenario() {
        for (Scenario scenario : Scenario.values()) {
            ScenarioPages.Digest v = QemuGoldenTest.digest(vector, scenario, 512);
            ScenarioPages.Digest s = QemuGoldenTest.digest(scalar, scenario, 512);
            assertEquals(s.hash(), v.hash(), scenario.name());
            assertEquals(s.totalBytes(), v.totalBytes(), scenario.name());
        }
    }

    @Test
    void pagesShorterThanABlockAndFullyChangedPages() {
        for (int length : new int[] {1, 7, 8, 31, 32, 33, 63, 64, 65, 127, 128, 129, PAGE}) {
            byte[] old = new byte[length];
            byte[] allChanged = new byte[length];
            Arrays.fill(allChanged, (byte) 1);
            assertSameAsModel(old, allChanged, length, length + 8, "all changed, length " + length);
            assertSameAsModel(old, allChanged, length, length, "all changed at the limit, length " + length);
            byte[] lastOnly = old.clone();
            lastOnly[length - 1] = 9;
            assertSameAsModel(old, lastOnly, length, length, "last byte, length " + length);
            assertSameAsModel(old, old.clone(), length, length, "unchanged, length " + length);
        }
    }

}
