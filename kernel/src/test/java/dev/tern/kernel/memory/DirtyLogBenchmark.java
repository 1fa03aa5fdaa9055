package dev.tern.kernel.memory;

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

import java.util.concurrent.TimeUnit;

/**
 * Costs on the memory paths: a 4-byte device write with dirty logging on and off, a 4-byte read,
 * and a harvest of a 1 GiB log (262144 pages) with a given share of pages dirty.
 * Run with {@code java -cp <test classpath> org.openjdk.jmh.Main DirtyLogBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class DirtyLogBenchmark {

    private static final long RAM = 1L << 30;

    /** A 1 GiB guest whose log is re-dirtied before every harvest. */
    @State(Scope.Benchmark)
    public static class Harvest {
        @Param({"0", "1", "100"})
        public int dirtyPercent;

        GuestRam ram;
        DirtyLog log;

        @Setup(Level.Trial)
        public void open() {
            ram = GuestRam.builder().ram("ram", 0, RAM).build();
            log = ram.dirtyLog();
            log.enable();
        }

        @Setup(Level.Invocation)
        public void dirty() {
            if (dirtyPercent > 0) {
                long step = 100 / dirtyPercent;
                for (long pfn = 0; pfn < log.pageCount(); pfn += step) {
                    log.markPage(pfn);
                }
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            ram.close();
        }
    }

    /** A 1 GiB guest accessed at a stride that touches a new page each time. */
    @State(Scope.Thread)
    public static class Access {
        @Param({"true", "false"})
        public boolean logging;

        GuestRam ram;
        long gpa;

        @Setup(Level.Trial)
        public void open() {
            ram = GuestRam.builder().ram("ram", 0, RAM).build();
            if (logging) {
                ram.dirtyLog().enable();
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            ram.close();
        }

        long next() {
            gpa = (gpa + 4096 + 4) & (RAM - 8);
            return gpa;
        }
    }

    @Benchmark
    public DirtyPages syncAndClear1GiB(Harvest h) {
        return h.log.syncAndClear();
    }

    @Benchmark
    public void writeU32(Access a) {
        a.ram.writeU32(a.next(), 0x12345678);
    }

    @Benchmark
    public int readU32(Access a) {
        return a.ram.readU32(a.next());
    }
}
