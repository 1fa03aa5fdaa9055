package dev.tern.devices.bench;

import dev.tern.devices.pic.PicProvider;
import dev.tern.devices.pit.PitProvider;
import dev.tern.devices.rtc.RtcProvider;
import dev.tern.devices.uart.UartProvider;
import dev.tern.testkit.DeviceHarness;
import dev.tern.testkit.io.ArrayPortSpace;
import dev.tern.testkit.irq.RecordingInterruptRouting;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Costs of the hot guest-visible paths, through the testkit's port space: a serial byte out, a full
 * interrupt cycle through the PIC, a PIT latched count read and an RTC seconds read. Run with
 * {@code java -cp <test classpath> dev.tern.devices.bench.DeviceBenchmarks}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DeviceBenchmarks {

    private ArrayPortSpace io;
    private RecordingInterruptRouting irq;

    @Setup
    public void buildMachine() {
        PicProvider pic = new PicProvider();
        DeviceHarness h = DeviceHarness.of(pic, Map.of());
        h.start(pic);
        h.withInstance("pit", new PitProvider(), Map.of()).start(new PitProvider());
        h.withInstance("rtc", new RtcProvider(), Map.of()).start(new RtcProvider());
        h.withInstance("serial0", new UartProvider(), Map.of()).start(new UartProvider());
        io = h.ports();
        irq = h.interrupts();
        io.out(0x20, 0x11);
        io.out(0x21, 0x30);
        io.out(0x21, 0x04);
        io.out(0x21, 0x01);
        io.out(0x21, 0x00);
        io.out(0x3f8 + 4, 0x08);
        io.out(0x3f8 + 1, 0x02);
        io.out(0x43, 0x34);
        io.out(0x40, 0);
        io.out(0x40, 0);
    }

    @Benchmark
    public int serialByteOut() {
        io.out(0x3f8, 'x');
        return io.in(0x3f8 + 2);
    }

    @Benchmark
    public int interruptCycle() {
        irq.line(3).pulse();
        int v = irq.acknowledge();
        io.out(0x20, 0x20);
        return v;
    }

    @Benchmark
    public int pitLatchedRead() {
        io.out(0x43, 0x00);
        return io.in(0x40) | io.in(0x40) << 8;
    }

    @Benchmark
    public int rtcSeconds() {
        io.out(0x70, 0x00);
        return io.in(0x71);
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(DeviceBenchmarks.class.getSimpleName()).forks(0)
                .warmupIterations(2).warmupTime(TimeValue.seconds(1))
                .measurementIterations(3).measurementTime(TimeValue.seconds(1)).build()).run();
    }
}
