package dev.tern.devices.virtio;

import dev.tern.devices.virtio.LegacyVirtioDriver.Buffer;
import dev.tern.devices.virtio.blk.VirtioBlkProvider;
import dev.tern.devices.virtio.net.VirtioNetProvider;
import dev.tern.spi.device.Device;
import dev.tern.testkit.DeviceHarness;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Costs of a whole guest request through the legacy interface: a 4 KiB virtio-blk read (header,
 * data, status, notify, used ring, ISR read) and a 1514-byte frame from one virtio-net card to
 * another over a hub (transmit, posted delivery, receive). Run with
 * {@code java -cp <test classpath> dev.tern.devices.virtio.VirtioBenchmarks}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class VirtioBenchmarks {

    private static final long RINGS = 0x300000;
    private static final long HEADER = 0x200000;
    private static final long DATA = 0x210000;
    private static final long STATUS = 0x220000;

    private Path image;
    private Device blk;
    private LegacyVirtioDriver disk;
    private Device netA;
    private Device netB;
    private LegacyVirtioDriver nicA;
    private LegacyVirtioDriver nicB;
    private DeviceHarness machineB;

    @Setup(Level.Trial)
    public void buildMachines() throws IOException {
        image = Files.createTempFile("tern-bench", ".img");
        Files.write(image, new byte[1 << 20]);
        DeviceHarness h = VirtioRig.machine();
        blk = VirtioRig.add(h, "vblk0", new VirtioBlkProvider(), Map.of("path", image.toString()));
        disk = new LegacyVirtioDriver(LegacyVirtioDriver.ConfigAccess.mechanism1(h.ports()), 1, h.ports(), h.memory(),
                VirtioRig.IO_BASE);
        disk.initialize(-1L, RINGS, 1);
        h.memory().writeU32(HEADER, 0); // IN
        h.memory().writeU64(HEADER + 8, 8);

        Map<String, String> hub = Map.of("backend", "hub", "hub", "bench-hub");
        DeviceHarness a = VirtioRig.machine();
        netA = VirtioRig.add(a, "vnet0", new VirtioNetProvider(), hub);
        nicA = new LegacyVirtioDriver(LegacyVirtioDriver.ConfigAccess.mechanism1(a.ports()), 1, a.ports(), a.memory(),
                VirtioRig.IO_BASE);
        nicA.initialize(-1L, RINGS, 2);
        a.memory().write(DATA, new byte[1524], 0, 1524);
        machineB = VirtioRig.machine();
        netB = VirtioRig.add(machineB, "vnet1", new VirtioNetProvider(), hub);
        nicB = new LegacyVirtioDriver(LegacyVirtioDriver.ConfigAccess.mechanism1(machineB.ports()), 1,
                machineB.ports(), machineB.memory(), VirtioRig.IO_BASE);
        nicB.initialize(-1L, RINGS, 2);
    }

    @TearDown(Level.Trial)
    public void powerOff() throws IOException {
        blk.powerOff();
        netA.powerOff();
        netB.powerOff();
        Files.deleteIfExists(image);
    }

    @Benchmark
    public long blockRead4k() {
        disk.submit(0, List.of(new Buffer(HEADER, 16, false), new Buffer(DATA, 4096, true), new Buffer(STATUS, 1, true)));
        disk.notify(0);
        long[] used = disk.takeUsed(0);
        disk.readIsr();
        return used[1];
    }

    @Benchmark
    public long frameOverHub() {
        nicB.submit(0, List.of(new Buffer(DATA, 2048, true)));
        nicB.notify(0);
        nicA.submit(1, List.of(new Buffer(DATA, 1524, false)));
        nicA.notify(1);
        nicA.takeUsed(1);
        machineB.machine().runPosted();
        long[] used = nicB.takeUsed(0);
        nicA.readIsr();
        nicB.readIsr();
        return used[1];
    }

    /** Runs the benchmarks briefly. */
    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(VirtioBenchmarks.class.getSimpleName()).forks(1)
                .warmupIterations(2).warmupTime(TimeValue.seconds(1))
                .measurementIterations(3).measurementTime(TimeValue.seconds(1)).build()).run();
    }
}
