package dev.tern.codec.xbzrle;

import dev.tern.codec.xbzrle.ScenarioPages.Scenario;
import dev.tern.spi.codec.CodecException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * The Java half of the side-by-side comparison with QEMU's C encoder (docs/benchmarks.md, "Page
 * codecs"): the same pages, layout and timing method as the C harness described there, so the two
 * tables can be read column against column. Per scenario and set it times passes over the pairs
 * (at least 16384 pages per pass) and reports the median pass, by this thread's CPU time, because
 * the machine is shared and wall time counts other processes' slices. JMH's
 * {@link XbzrleScenarioBenchmark} measures the same operations in wall time.
 *
 * <p>{@code XbzrleSideBySide HOT_PAIRS COLD_PAIRS SECONDS [SCENARIO...]}, with
 * {@code --add-modules jdk.incubator.vector} for the vector column. Run one scenario per JVM (as
 * JMH forks do): otherwise code compiled for one scenario's run lengths serves the next ones.
 */
public final class XbzrleSideBySide {

    private static final int PAGE = ScenarioPages.PAGE;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final byte[][] olds;
    private final byte[][] news;
    private final MemorySegment[] targets;
    private final byte[] deltas;
    private final int[] offsets;
    private final int[] lengths;
    private final byte[] dst = new byte[PAGE];
    private long sink; // results land here so the JIT cannot drop the work

    private XbzrleSideBySide(Scenario scenario, int pairs, Arena arena) {
        olds = new byte[pairs][PAGE];
        news = new byte[pairs][PAGE];
        targets = new MemorySegment[pairs];
        offsets = new int[pairs];
        lengths = new int[pairs];
        byte[] packed = new byte[pairs * PAGE];
        MemorySegment ram = arena.allocate((long) pairs * PAGE, PAGE);
        int at = 0;
        for (int p = 0; p < pairs; p++) {
            ScenarioPages.generate(scenario, p, olds[p], news[p]);
            targets[p] = ram.asSlice((long) p * PAGE, PAGE).copyFrom(MemorySegment.ofArray(olds[p]));
            int n = XbzrleEncoding.encode(RunScan.scalar(), olds[p], news[p], PAGE, dst, PAGE);
            lengths[p] = n;
            offsets[p] = at;
            System.arraycopy(dst, 0, packed, at, Math.max(n, 0));
            at += Math.max(n, 0);
        }
        deltas = Arrays.copyOf(packed, at); // back to back, as in a migration stream
    }

    private double meanDelta() {
        return Arrays.stream(lengths).average().orElse(0);
    }

    private int pagesPerPass() {
        int pairs = olds.length;
        return pairs < 16384 ? (16384 / pairs) * pairs : pairs;
    }

    private void encodePass(RunScan scan) {
        int pairs = olds.length;
        long acc = 0;
        for (int k = 0, n = pagesPerPass(); k < n; k++) {
            int p = k % pairs;
            acc += XbzrleEncoding.encode(scan, olds[p], news[p], PAGE, dst, PAGE);
        }
        sink += acc;
    }

    private void decodePass() throws CodecException {
        int pairs = olds.length;
        long acc = 0;
        for (int k = 0, n = pagesPerPass(); k < n; k++) {
            int p = k % pairs;
            if (lengths[p] > 0) {
                acc += XbzrleEncoding.decode(ByteBuffer.wrap(deltas, offsets[p], lengths[p]), targets[p], (long) p * PAGE);
            }
        }
        sink += acc;
    }

    private interface Pass {
        void run() throws CodecException;
    }

    /** GB/s of page data (4096 bytes a page, 10^9 bytes a GB) of the median timed pass, after warming up. */
    private double rate(Pass pass, double seconds) throws CodecException {
        long warmEnd = System.nanoTime() + (long) (seconds * 0.5e9);
        while (System.nanoTime() < warmEnd) {
            pass.run();
        }
        double[] rates = new double[4096];
        int n = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        do {
            long t0 = THREADS.getCurrentThreadCpuTime();
            pass.run();
            rates[n++] = (double) pagesPerPass() * PAGE / (THREADS.getCurrentThreadCpuTime() - t0);
        } while (System.nanoTime() < end && n < rates.length);
        Arrays.sort(rates, 0, n);
        return rates[n / 2];
    }

    public static void main(String[] args) throws CodecException {
        if (args.length < 3) {
            throw new IllegalArgumentException("usage: XbzrleSideBySide HOT_PAIRS COLD_PAIRS SECONDS [SCENARIO...]");
        }
        List<Scenario> scenarios = args.length == 3
                ? List.of(Scenario.SPARSE, Scenario.MEDIUM, Scenario.DENSE, Scenario.VERY_DENSE)
                : Arrays.stream(args, 3, args.length).map(Scenario::valueOf).toList();
        int hot = Integer.parseInt(args[0]);
        int cold = Integer.parseInt(args[1]);
        double seconds = Double.parseDouble(args[2]);
        boolean vector = RunScan.vectorAvailable();
        System.out.printf("%-10s %-4s %8s %9s %9s %9s  (GB/s = 4096-byte pages x pages/s / 1e9, median pass, thread CPU time)%n",
                "scenario", "set", "B/page", "enc-sc", "enc-vec", "decode");
        for (Scenario scenario : scenarios) {
            for (int pairs : new int[] {hot, cold}) {
                try (Arena arena = Arena.ofConfined()) {
                    XbzrleSideBySide set = new XbzrleSideBySide(scenario, pairs, arena);
                    double scalar = set.rate(() -> set.encodePass(RunScan.scalar()), seconds);
                    double simd = vector ? set.rate(() -> set.encodePass(RunScan.vector()), seconds) : Double.NaN;
                    double decode = set.rate(set::decodePass, seconds);
                    System.out.printf("%-10s %-4s %8.1f %9.2f %9.2f %9.2f%n", scenario, pairs == hot ? "hot" : "cold",
                            set.meanDelta(), scalar, simd, decode);
                }
            }
        }
    }
}
