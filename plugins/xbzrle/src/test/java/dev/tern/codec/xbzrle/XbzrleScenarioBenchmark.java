package dev.tern.codec.xbzrle;

import dev.tern.codec.xbzrle.ScenarioPages.Scenario;
import dev.tern.spi.codec.CodecException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * XBZRLE encode and decode on the original patch's four scenarios ({@link ScenarioPages}), one
 * operation per 4 KiB page, so GB/s = ops/s x 4096 / 10^9.
 *
 * <p>{@code set=hot}: 16 page pairs (128 KiB, stays in L2) walked round robin. {@code set=cold}:
 * 16384 pairs (64 MiB of old pages + 64 MiB of new pages, four times this machine's 32 MiB L3)
 * walked in order, as a migration pass walks guest RAM against its cache. Decode applies each
 * page's delta to its own copy of the old page in off-heap memory, as guest RAM is (idempotent, so
 * repeating it is valid); {@code scan}
 * does not affect decode, so run decode with one value ({@code -p scan=vector}).
 *
 * <p>The QEMU side of the comparison runs the same pages through QEMU's C code; see
 * docs/benchmarks.md, "Page codecs".
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "--add-modules", "jdk.incubator.vector"})
public class XbzrleScenarioBenchmark {

    private static final int PAGE = ScenarioPages.PAGE;

    @Param({"SPARSE", "MEDIUM", "DENSE", "VERY_DENSE"})
    public Scenario scenario;

    @Param({"hot", "cold"})
    public String set;

    @Param({"scalar", "vector"})
    public String scan;

    private RunScan runScan;
    private byte[][] olds;
    private byte[][] news;
    private MemorySegment[] targets;
    private Arena arena;
    private byte[][] deltas;
    private byte[] dst;
    private int pairs;
    private int next;
    private long deltaBytes;

    @Setup(Level.Trial)
    public void setUp() {
        runScan = switch (scan) {
            case "scalar" -> RunScan.scalar();
            case "vector" -> RunScan.vector();
            default -> throw new IllegalArgumentException("scan must be scalar or vector, got " + scan);
        };
        pairs = switch (set) {
            case "hot" -> 16;
            case "cold" -> 16384;
            default -> throw new IllegalArgumentException("set must be hot or cold, got " + set);
        };
        olds = new byte[pairs][PAGE];
        news = new byte[pairs][PAGE];
        arena = Arena.ofShared();
        MemorySegment ram = arena.allocate((long) pairs * PAGE, PAGE);
        targets = new MemorySegment[pairs];
        deltas = new byte[pairs][];
        dst = new byte[PAGE];
        for (int p = 0; p < pairs; p++) {
            ScenarioPages.generate(scenario, p, olds[p], news[p]);
            int n = XbzrleEncoding.encode(RunScan.scalar(), olds[p], news[p], PAGE, dst, PAGE);
            if (n <= 0) {
                throw new IllegalStateException(scenario + " page " + p + " encoded to " + n + "; scenarios never overflow");
            }
            deltas[p] = Arrays.copyOf(dst, n);
            targets[p] = ram.asSlice((long) p * PAGE, PAGE).copyFrom(MemorySegment.ofArray(olds[p]));
            deltaBytes += n;
        }
    }

    @TearDown(Level.Trial)
    public void report() {
        System.out.printf("%n%s %s: %.1f encoded bytes/page over %d pages%n", scenario, set,
                (double) deltaBytes / pairs, pairs);
        arena.close();
    }

    private int nextPage() {
        int p = next;
        next = p + 1 == pairs ? 0 : p + 1;
        return p;
    }

    @Benchmark
    public int encode() {
        int p = nextPage();
        return XbzrleEncoding.encode(runScan, olds[p], news[p], PAGE, dst, PAGE);
    }

    @Benchmark
    public int decode() throws CodecException {
        int p = nextPage();
        return XbzrleEncoding.decode(ByteBuffer.wrap(deltas[p]), targets[p], (long) p * PAGE);
    }
}
