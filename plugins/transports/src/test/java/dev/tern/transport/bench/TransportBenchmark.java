package dev.tern.transport.bench;

import dev.tern.spi.Config;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.Listener;
import dev.tern.spi.transport.TransportProvider;
import dev.tern.testkit.codec.ProviderConfig;
import dev.tern.transport.file.FileTransportProvider;
import dev.tern.transport.shm.ShmConnection;
import dev.tern.transport.shm.ShmTransportProvider;
import dev.tern.transport.tcp.TcpTransportProvider;
import dev.tern.transport.unix.UnixTransportProvider;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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
 * Throughput of 4 KiB page writes per transport: one operation is one page, so
 * MB/s = ops/s x 4096 / 10^6. The destination drains on its own thread. {@code shm-stream} sends
 * pages through the shm control socket; {@code shm-memory} writes them one-sided into the peer's
 * region (non-zero pages, a flush per 1 MiB chunk), which is what shm is for.
 * Run: {@code java -cp <test-classpath> org.openjdk.jmh.Main TransportBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class TransportBenchmark {

    private static final int PAGE = 4096;
    private static final long REGION = 64L << 20;

    @Param({"tcp", "unix", "file", "shm-stream", "shm-memory"})
    public String transport;

    private Path dir;
    private Listener listener;
    private Connection source;
    private Connection destination;
    private Thread drain;
    private ByteBuffer page;
    private MemorySegment pageSegment;
    private Arena arena;
    private int region;
    private long offset;

    @Setup(Level.Iteration)
    public void open() throws Exception {
        dir = Files.createTempDirectory("tern-bench");
        byte[] bytes = new byte[PAGE];
        new SplittableRandom(1).nextBytes(bytes);
        page = ByteBuffer.allocateDirect(PAGE).put(bytes).flip();
        arena = Arena.ofShared();
        pageSegment = arena.allocate(PAGE).copyFrom(MemorySegment.ofArray(bytes));
        switch (transport) {
            case "tcp" -> connect(new TcpTransportProvider(), "127.0.0.1:0", Map.of());
            case "unix" -> connect(new UnixTransportProvider(), dir.resolve("b.sock").toString(), Map.of());
            case "file" -> {
                TransportProvider p = new FileTransportProvider();
                source = p.connect(dir.resolve("stream.bin").toString(), ProviderConfig.of(p, Map.of("fsync", "off")));
            }
            case "shm-stream", "shm-memory" -> connect(new ShmTransportProvider(),
                    "unix:" + dir.resolve("ctl.sock"), Map.of("dir", "/dev/shm"));
            default -> throw new IllegalArgumentException("transport " + transport);
        }
        if (transport.equals("shm-memory")) {
            ((ShmConnection) destination).expose("ram", REGION, arena);
        }
        if (destination != null) {
            startDrain();
        }
        if (transport.equals("shm-memory")) {
            region = ((ShmConnection) source).register("ram", REGION);
        }
        offset = 0;
    }

    @Benchmark
    public void writePage() throws IOException {
        if (transport.equals("shm-memory")) {
            ShmConnection shm = (ShmConnection) source;
            shm.write(region, offset, pageSegment);
            offset = (offset + PAGE) % REGION;
            if (offset % (1 << 20) == 0) {
                shm.flush();
            }
        } else {
            page.rewind();
            source.write(page);
        }
    }

    @TearDown(Level.Iteration)
    public void close() throws Exception {
        source.close();
        if (drain != null) {
            drain.join();
            destination.close();
            listener.close();
        }
        drain = null;
        destination = null;
        arena.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private void connect(TransportProvider p, String address, Map<String, String> settings) throws IOException {
        Config config = ProviderConfig.of(p, settings);
        listener = p.listen(address, config);
        source = p.connect(listener.address().substring(p.scheme().length() + 1), config);
        destination = listener.accept();
    }

    /** Registration is answered while the destination reads, so the drain runs before register. */
    private void startDrain() {
        Connection d = destination;
        drain = Thread.ofPlatform().daemon().start(() -> {
            ByteBuffer sink = ByteBuffer.allocateDirect(1 << 20);
            try {
                while (d.read(sink.clear()) >= 0) {
                    // discard
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
