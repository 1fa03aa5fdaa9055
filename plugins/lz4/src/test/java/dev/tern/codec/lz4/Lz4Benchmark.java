package dev.tern.codec.lz4;

import dev.tern.spi.codec.CodecException;
import dev.tern.spi.codec.PageDecoder;
import dev.tern.spi.codec.PageEncoder;
import dev.tern.testkit.codec.ProviderConfig;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
 * LZ4 throughput per 4 KiB page: one operation is one page, so MB/s = ops/s x 4096 / 10^6.
 * {@code kind}: {@code text} (compressible), {@code zero} (the one-byte marker path),
 * {@code random} (incompressible: the encoder's cost of saying -1; such a page is sent raw, so
 * {@code decode} has nothing to decode there and measures only the call).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class Lz4Benchmark {

    private static final int PAGE = 4096;

    @Param({"text", "zero", "random"})
    public String kind;

    private MemorySegment page;
    private MemorySegment target;
    private PageEncoder encoder;
    private PageDecoder decoder;
    private ByteBuffer out;
    private ByteBuffer encoded;

    @Setup(Level.Trial)
    public void setUp() {
        Lz4CodecProvider provider = new Lz4CodecProvider();
        encoder = provider.newEncoder(ProviderConfig.defaults(provider));
        decoder = provider.newDecoder(ProviderConfig.defaults(provider));
        byte[] bytes = new byte[PAGE];
        switch (kind) {
            case "text" -> {
                byte[] words = "mov eax, [ebx+4]; call 0x401000; ret; push ebp; ".getBytes(StandardCharsets.US_ASCII);
                SplittableRandom random = new SplittableRandom(2);
                for (int i = 0; i < PAGE; i++) {
                    bytes[i] = random.nextInt(16) == 0 ? (byte) random.nextInt(256) : words[i % words.length];
                }
            }
            case "random" -> new SplittableRandom(3).nextBytes(bytes);
            default -> { }
        }
        page = MemorySegment.ofArray(bytes);
        target = MemorySegment.ofArray(new byte[PAGE]);
        out = ByteBuffer.allocate(PAGE);
        int n = encoder.encode(0, page, out);
        encoded = n < 0 ? null : ByteBuffer.wrap(Arrays.copyOf(out.array(), n));
    }

    @Benchmark
    public int encode() {
        return encoder.encode(0, page, out.clear());
    }

    @Benchmark
    public MemorySegment decode() throws CodecException {
        if (encoded != null) {
            decoder.decode(0, encoded.clear(), target);
        }
        return target;
    }
}
