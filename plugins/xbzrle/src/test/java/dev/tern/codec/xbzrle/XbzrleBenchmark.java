package dev.tern.codec.xbzrle;

import dev.tern.spi.codec.CodecException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * XBZRLE throughput per 4 KiB page: one operation is one page, so MB/s = ops/s x 4096 / 10^6.
 * {@code changes} is the number of modified runs per page (0 = unchanged, the common case for
 * re-dirtied but rewritten-identically pages; 8 = typical sparse writes; 600 = heavily rewritten,
 * mostly overflowing). Run from the module with the test classpath:
 * {@code java -cp <test-classpath> org.openjdk.jmh.Main XbzrleBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class XbzrleBenchmark {

    private static final int PAGE = 4096;
    private static final int PAGES = 64;

    @Param({"0", "8", "600"})
    public int changes;

    private byte[][] olds;
    private byte[][] news;
    private byte[][] deltas;
    private byte[] dst;
    private byte[] target;
    private XbzrleEncoder encoder;
    private ByteBuffer out;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom random = new SplittableRandom(1);
        olds = new byte[PAGES][PAGE];
        news = new byte[PAGES][];
        deltas = new byte[PAGES][];
        dst = new byte[PAGE];
        target = new byte[PAGE];
        encoder = new XbzrleEncoder(64L << 20);
        out = ByteBuffer.allocate(PAGE);
        for (int p = 0; p < PAGES; p++) {
            random.nextBytes(olds[p]);
            news[p] = olds[p].clone();
            for (int c = 0; c < changes; c++) {
                int at = random.nextInt(PAGE - 4);
                for (int i = 0; i < 1 + random.nextInt(4); i++) {
                    news[p][at + i] ^= (byte) (1 + random.nextInt(255));
                }
            }
            int n = XbzrleEncoding.encode(olds[p], news[p], PAGE, dst, PAGE);
            deltas[p] = n < 0 ? new byte[0] : Arrays.copyOf(dst, n);
            encoder.encode((long) p * PAGE, MemorySegment.ofArray(olds[p]), out.clear());
        }
    }

    @Benchmark
    public int encodeDelta() {
        int p = next++ & (PAGES - 1);
        return XbzrleEncoding.encode(olds[p], news[p], PAGE, dst, PAGE);
    }

    @Benchmark
    public int decodeDelta() throws CodecException {
        int p = next++ & (PAGES - 1);
        return XbzrleEncoding.decode(ByteBuffer.wrap(deltas[p]), MemorySegment.ofArray(target), "bench");
    }

    /** A whole sender step: cache lookup, snapshot, encode, cache update; alternates old and new content. */
    @Benchmark
    public int encoderSession() {
        int i = next++;
        int p = i & (PAGES - 1);
        byte[] content = ((i >>> 6) & 1) == 0 ? news[p] : olds[p];
        return encoder.encode((long) p * PAGE, MemorySegment.ofArray(content), out.clear());
    }
}
