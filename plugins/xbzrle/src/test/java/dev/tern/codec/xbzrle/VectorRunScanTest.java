package dev.tern.codec.xbzrle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tern.codec.xbzrle.ScenarioPages.Scenario;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The SIMD scan against the scalar scan and the byte-wise model: same run boundaries from every
 * start, same deltas and overflow decisions on random and scenario pages. Needs the JVM option
 * {@code --add-modules jdk.incubator.vector} (surefire's default execution passes it).
 */
class VectorRunScanTest {

    private static final int PAGE = 4096;
    private final RunScan vector = RunScan.vector();
    private final RunScan scalar = RunScan.scalar();

    @Test
    void boundariesMatchAByteScanFromEveryStartAndForEveryShortLength() {
        SplittableRandom random = new SplittableRandom(31);
        for (int round = 0; round < 400; round++) {
            int length = round < 200 ? 1 + round : 1 + random.nextInt(PAGE);
            byte[] a = new byte[length];
            byte[] b = new byte[length];
            int runBias = 1 + random.nextInt(100);
            boolean same = random.nextBoolean();
            for (int i = 0; i < length; i++) {
                if (random.nextInt(runBias) == 0) {
                    same = !same;
                }
                a[i] = (byte) random.nextInt(256);
                b[i] = same ? a[i] : (byte) (a[i] ^ (1 + random.nextInt(255)));
            }
            for (int from = 0; from < length; from += 1 + random.nextInt(4)) {
                String where = "round " + round + " length " + length + " from " + from;
                assertEquals(byteScan(a, b, from, length, true), vector.equalRunEnd(a, b, from, length), where);
                assertEquals(byteScan(a, b, from, length, false), vector.changedRunEnd(a, b, from, length), where);
                assertEquals(byteScan(a, b, from, length, false), scalar.changedRunEnd(a, b, from, length), where);
            }
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
    void runsTouchingBothPageEndsAndPagesShorterThanAVector() {
        for (int length : new int[] {1, 7, 8, 31, 32, 33, 63, 64, 65, 127, 128, 129, PAGE}) {
            byte[] old = new byte[length];
            byte[] allChanged = new byte[length];
            Arrays.fill(allChanged, (byte) 1);
            byte[] model = new byte[length + 8];
            byte[] ours = new byte[length + 8];
            int expected = ByteWiseXbzrleModel.encode(old, allChanged, length, model, length + 8);
            assertEquals(expected, XbzrleEncoding.encode(vector, old, allChanged, length, ours, length + 8), "length " + length);
            assertArrayEquals(Arrays.copyOf(model, expected), Arrays.copyOf(ours, expected), "length " + length);
            byte[] lastOnly = old.clone();
            lastOnly[length - 1] = 9;
            assertEquals(length - 1, vector.equalRunEnd(old, lastOnly, 0, length), "length " + length);
            assertEquals(length, vector.changedRunEnd(old, lastOnly, length - 1, length), "length " + length);
            assertEquals(length, vector.equalRunEnd(old, old, 0, length), "length " + length);
        }
    }

    private static int byteScan(byte[] a, byte[] b, int from, int length, boolean equal) {
        int i = from;
        while (i < length && (a[i] == b[i]) == equal) {
            i++;
        }
        return i;
    }
}
