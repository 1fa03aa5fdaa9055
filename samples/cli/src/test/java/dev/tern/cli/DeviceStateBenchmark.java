package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSnapshot;
import dev.tern.kernel.state.ConfigHeader;
import dev.tern.kernel.state.SavedStateWriter;
import dev.tern.kernel.state.SnapshotLoader;
import dev.tern.kernel.state.StateSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The device state of a migration's switch-over: the PC machine's sections (x86 CPU, PIC, PIT,
 * UART, ... about 10 KB) saved as the source sends them, and verified and loaded as the
 * destination does while the source's guest is paused. {@code save} and {@code load} are the steady
 * (compiled) costs; the destination's warm-up decides how close to them the one real load runs.
 * Run with {@code scripts/jmh.sh samples/cli DeviceStateBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class DeviceStateBenchmark {

    private Machine machine;
    private ConfigHeader header;
    private byte[] saved;

    @Setup(Level.Trial)
    public void create() throws Exception {
        machine = new LiveMigrationTest().machine(List.of("--pacing", "warp", "-m", "4M", "--serial", "none"));
        header = ConfigHeader.of(MachineSnapshot.MACHINE_TYPE, machine.memory());
        saved = save();
    }

    @TearDown(Level.Trial)
    public void close() {
        machine.close();
    }

    @Benchmark
    public byte[] save() throws IOException {
        var bytes = new ByteArrayOutputStream();
        var writer = new SavedStateWriter(bytes, header);
        for (var section : machine.sections()) {
            writer.writeSection(section);
        }
        writer.finish();
        return bytes.toByteArray();
    }

    @Benchmark
    public SnapshotLoader load() throws IOException {
        var loader = new SnapshotLoader(header);
        machine.sections().forEach(loader::section);
        loader.load(StateSource.of(saved));
        return loader;
    }
}
