package dev.tern.codec.xbzrle;

/**
 * Old/new 4 KiB page pairs for the XBZRLE benchmark scenarios, from a generator simple enough to
 * re-implement bit for bit in C, so that QEMU's encoder can be run on exactly the same pages
 * (docs/benchmarks.md, "Page codecs", states the same recipe).
 *
 * <p>Recipe for page pair {@code p} of scenario {@code s}: a SplitMix64 stream seeded with
 * {@code 0x5EED000000000000 ^ (s.id << 40) ^ p}; the old page is 512 draws stored little-endian.
 * The new page is a copy, then for the segment scenarios {@code first = draw % step} and, at
 * {@code first, first + step, ...} below 4096, each of {@code len} bytes (clipped at the page end)
 * is XORed with {@code 1 + draw % 255}, so every segment is exactly {@code len} changed bytes. For
 * {@link Scenario#RANDOM_EDITS}: {@code draw % 3072} edits, each {@code new[draw % 4096] = low byte
 * of draw} (an edit may rewrite the same value), which reaches QEMU's overflow paths. All
 * remainders are of the unsigned 64-bit draw.
 */
public final class ScenarioPages {

    static final int PAGE = 4096;

    /** The four scenarios of the original XBZRLE patch, plus random edits for overflow coverage. */
    public enum Scenario {
        SPARSE(1, 1111, 12),
        MEDIUM(2, 701, 33),
        DENSE(3, 203, 41),
        VERY_DENSE(4, 121, 43),
        RANDOM_EDITS(5, 0, 0);

        final int id;
        final int step;
        final int length;

        Scenario(int id, int step, int length) {
            this.id = id;
            this.step = step;
            this.length = length;
        }
    }

    private long state;

    private ScenarioPages(long seed) {
        this.state = seed;
    }

    /** Fills {@code old} and {@code cur} (each at least {@link #PAGE} bytes) with pair {@code page} of {@code scenario}. */
    static void generate(Scenario scenario, long page, byte[] old, byte[] cur) {
        ScenarioPages random = new ScenarioPages(0x5EED000000000000L ^ ((long) scenario.id << 40) ^ page);
        for (int w = 0; w < PAGE / Long.BYTES; w++) {
            long v = random.next();
            for (int b = 0; b < Long.BYTES; b++) {
                old[w * Long.BYTES + b] = (byte) (v >>> (8 * b));
            }
        }
        System.arraycopy(old, 0, cur, 0, PAGE);
        if (scenario == Scenario.RANDOM_EDITS) {
            long edits = random.below(3072);
            for (long e = 0; e < edits; e++) {
                int at = (int) random.below(PAGE);
                cur[at] = (byte) random.next();
            }
            return;
        }
        for (int at = (int) random.below(scenario.step); at < PAGE; at += scenario.step) {
            for (int k = 0; k < scenario.length && at + k < PAGE; k++) {
                cur[at + k] ^= (byte) (1 + random.below(255));
            }
        }
    }

    private long below(long bound) {
        return Long.remainderUnsigned(next(), bound);
    }

    /** SplitMix64. */
    private long next() {
        state += 0x9E3779B97F4A7C15L;
        long z = state;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * FNV-1a over each page's encode result: its length (4 bytes, little-endian, -1 on overflow)
     * then its delta bytes. The C harness computes the same over QEMU's output.
     */
    static final class Digest {
        private long hash = 0xcbf29ce484222325L;
        private long totalBytes;
        private int overflows;

        void add(int result, byte[] delta) {
            for (int b = 0; b < Integer.BYTES; b++) {
                mix((byte) (result >>> (8 * b)));
            }
            if (result < 0) {
                overflows++;
                return;
            }
            totalBytes += result;
            for (int k = 0; k < result; k++) {
                mix(delta[k]);
            }
        }

        private void mix(byte b) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }

        long hash() {
            return hash;
        }

        long totalBytes() {
            return totalBytes;
        }

        int overflows() {
            return overflows;
        }
    }

    /** Prints the digest of {@code pages} pairs per scenario with this JVM's scan: {@code ScenarioPages [pages]}. */
    public static void main(String[] args) {
        int pages = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        byte[] old = new byte[PAGE];
        byte[] cur = new byte[PAGE];
        byte[] dst = new byte[PAGE];
        for (Scenario s : Scenario.values()) {
            Digest digest = new Digest();
            for (int p = 0; p < pages; p++) {
                generate(s, p, old, cur);
                digest.add(XbzrleEncoding.encode(old, cur, PAGE, dst, PAGE), dst);
            }
            System.out.printf("digest %s %d tern-%s %016x %d %d%n", s, pages, XbzrleEncoding.scan().getClass().getSimpleName(),
                    digest.hash(), digest.totalBytes(), digest.overflows());
        }
    }
}
