package dev.tern.kernel.state;

import dev.tern.kernel.ram.RamReceiver;
import dev.tern.kernel.ram.RamRecord;
import dev.tern.kernel.ram.RamSender;

import dev.tern.kernel.memory.GuestRam;
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

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Snapshot save and restore of a 256 MiB guest through a file: RAM plus one device section.
 * {@code content=sparse} has one random page in 64 (the rest zero), {@code random} is all random.
 * Throughput in MB/s of guest RAM is {@code 256 / (ms per op / 1000)}.
 * Run with {@code java -cp <test classpath> org.openjdk.jmh.Main SavedStateBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
public class SavedStateBenchmark {

    private static final long RAM = 256L << 20;
    private static final int PAGE = 4096;

    record DeviceState(int a, long b, byte[] regs) { }

    /** Source and target guests and the snapshot file. */
    @State(Scope.Benchmark)
    public static class Guests {
        @Param({"sparse", "random"})
        public String content;

        GuestRam source;
        GuestRam target;
        Path file;

        @Setup(Level.Trial)
        public void create() throws IOException {
            source = GuestRam.builder().ram("ram", 0, RAM).build();
            target = GuestRam.builder().ram("ram", 0, RAM).build();
            SplittableRandom rnd = new SplittableRandom(42);
            byte[] page = new byte[PAGE];
            for (long p = 0; p < RAM / PAGE; p++) {
                if (content.equals("random") || p % 64 == 0) {
                    rnd.nextBytes(page);
                    source.write(p * PAGE, page, 0, PAGE);
                }
            }
            file = Files.createTempFile("tern-bench", ".state");
            save(this);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            source.close();
            target.close();
            Files.deleteIfExists(file);
        }
    }

    /**
     * Saves as {@code savevm} does: a new file (savevm writes {@code NAME.part} and renames it),
     * an overlapped writer, 8 MiB parts.
     */
    static void save(Guests g) throws IOException {
        Files.deleteIfExists(g.file);
        try (OutputStream out = Files.newOutputStream(g.file)) {
            SavedStateWriter w = SavedStateWriter.overlapped(out, ConfigHeader.of("pc", g.source));
            w.writeLive(RamSender.of(g.source), 8L << 20);
            w.writeSection(device(g));
            w.finish();
        }
    }

    private static TestSection<DeviceState> device(Guests g) {
        return new TestSection<>("dev", DeviceState.class, new DeviceState(1, 2, new byte[64]));
    }

    @Benchmark
    public long saveToFile(Guests g) throws IOException {
        save(g);
        return Files.size(g.file);
    }

    @Benchmark
    public int restoreFromFile(Guests g) throws IOException {
        TestSection<DeviceState> dev = device(g);
        new SnapshotLoader(ConfigHeader.of("pc", g.target)).live(RamReceiver.of(g.target)).section(dev)
                .load(StateSource.of(g.file));
        return dev.loaded.size();
    }
}
