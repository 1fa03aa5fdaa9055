package dev.tern.transport.bench;

import dev.tern.spi.Config;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.Listener;
import dev.tern.spi.transport.TransportProvider;
import dev.tern.testkit.codec.ProviderConfig;
import dev.tern.testkit.transport.TestCertificates;
import dev.tern.transport.tcp.TcpTransportProvider;
import dev.tern.transport.tls.TlsConnection;
import dev.tern.transport.tls.TlsTransportProvider;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * TLS against plain TCP on loopback: one operation writes {@code chunk} random bytes, the
 * destination decrypts and discards on its own thread, so MB/s = ops/s x chunk / 10^6. 4 KiB is
 * one page written alone (one TLS record and one system call each); 256 KiB is a buffered
 * migration stream (full 16 KiB records, four per system call). Each fork is one run.
 * Run: {@code scripts/jmh.sh plugins/transports TlsThroughputBenchmark -f 5 -jvmArgsAppend -Dtern.test.pki.dir=/tmp/tern-bench-pki}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(5)
public class TlsThroughputBenchmark {

    @Param({"tcp", "tls"})
    public String transport;

    @Param({"4096", "262144"})
    public int chunk;

    private Listener listener;
    private Connection source;
    private Connection destination;
    private Thread drain;
    private ByteBuffer data;

    @Setup(Level.Iteration)
    public void open() throws Exception {
        byte[] bytes = new byte[chunk];
        new SplittableRandom(1).nextBytes(bytes);
        data = ByteBuffer.allocateDirect(chunk).put(bytes).flip();
        TransportProvider p;
        Map<String, String> settings;
        if (transport.equals("tls")) {
            TestCertificates pki = TestCertificates.shared();
            p = new TlsTransportProvider();
            settings = Map.of("cert", pki.cert("node").toString(), "key", pki.key("node").toString(),
                    "ca", pki.ca("ca").toString());
        } else {
            p = new TcpTransportProvider();
            settings = Map.of();
        }
        Config config = ProviderConfig.of(p, settings);
        listener = p.listen("127.0.0.1:0", config);
        source = p.connect(listener.address().substring(p.scheme().length() + 1), config);
        destination = listener.accept();
        if (source instanceof TlsConnection tls) {
            System.out.println("cipher: " + tls.cipher());
        }
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

    @Benchmark
    public void write() throws IOException {
        data.rewind();
        source.write(data);
    }

    @TearDown(Level.Iteration)
    public void close() throws Exception {
        source.close();
        drain.join();
        destination.close();
        listener.close();
    }
}
