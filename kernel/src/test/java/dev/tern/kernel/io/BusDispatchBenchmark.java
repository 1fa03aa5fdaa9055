package dev.tern.kernel.io;

import dev.tern.spi.io.MmioHandler;
import dev.tern.spi.io.PortIoHandler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Dispatch cost of an I/O exit once decoded: a port read and an MMIO read on buses populated like
 * a PC (a dozen port claims, eight MMIO mappings).
 * Run with {@code java -cp <test classpath> org.openjdk.jmh.Main BusDispatchBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class BusDispatchBenchmark {

    private final PortBus ports = new PortBus();
    private final MmioBus mmio = new MmioBus();
    private int port;
    private long address;

    @Setup
    public void populate() {
        PortIoHandler ph = new PortIoHandler() {
            @Override
            public int read(int p, int size) {
                return p;
            }

            @Override
            public void write(int p, int size, int value) { }
        };
        int[][] claims = {{0x20, 2}, {0x40, 4}, {0x60, 1}, {0x64, 1}, {0x70, 2}, {0x80, 1}, {0xA0, 2},
                {0x1F0, 8}, {0x2F8, 8}, {0x3F8, 8}, {0xCF8, 8}, {0x3C0, 32}};
        for (int[] c : claims) {
            ports.register("dev" + c[0], c[0], c[1], ph);
        }
        MmioHandler mh = new MmioHandler() {
            @Override
            public long read(long offset, int size) {
                return offset;
            }

            @Override
            public void write(long offset, int size, long value) { }
        };
        for (int i = 0; i < 8; i++) {
            mmio.map("bar" + i, 0xFE00_0000L + i * 0x10_0000L, 0x1000, mh);
        }
    }

    @Benchmark
    public int portRead() {
        port = port == 0x3F8 ? 0x3F9 : 0x3F8;
        return ports.read(port, 1);
    }

    @Benchmark
    public long mmioRead() {
        address = address == 0xFE50_0010L ? 0xFE00_0010L : 0xFE50_0010L;
        return mmio.read(address, 4);
    }
}
