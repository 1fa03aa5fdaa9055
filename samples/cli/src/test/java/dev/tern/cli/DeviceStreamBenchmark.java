package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSnapshot;
import dev.tern.kernel.state.ConfigHeader;
import dev.tern.kernel.state.SavedStateWriter;
import dev.tern.kernel.state.SnapshotLoader;
import dev.tern.kernel.state.StateSource;
import dev.tern.spi.state.StateSection;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The device stream of a migration's pause, alone, in one JVM: the PC machine's device sections
 * written as a saved-state stream (the source's work while paused) and that stream verified and
 * loaded into a second machine that never ran (the destination's), each repeated, timed by the
 * thread's CPU clock so a loaded host changes little. Not a test: run by hand,
 *
 * <pre>scripts/test-main.sh samples/cli dev.tern.cli.DeviceStreamBenchmark [WARM_RUNS]</pre>
 *
 * Prints the stream's and its trailer's size, then for each side the first run (cold), the median of
 * runs 33-64 (after as many runs as the source's warm-up makes) and the median of the last
 * {@code WARM_RUNS} (default 2000) of CPU microseconds, with the 10th-90th percentiles.
 */
public final class DeviceStreamBenchmark {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private DeviceStreamBenchmark() {
    }

    public static void main(String[] argv) throws Exception {
        int warm = argv.length > 0 ? Integer.parseInt(argv[0]) : 2000;
        Path dir = Files.createTempDirectory("tern-device-stream-bench");
        Path rom = dir.resolve("dirty-writer.rom");
        try (var in = DeviceStreamBenchmark.class.getResourceAsStream("/guests/dirty-writer.rom")) {
            Files.write(rom, in.readAllBytes());
        }
        List<String> args = List.of("--bios", rom.toString(), "-m", "256M", "--serial", "none", "--pacing", "warp",
                "--max-instructions", "0");
        var guests = new LiveMigrationTest();
        try (Machine source = guests.machine(args); Machine target = guests.machine(args)) {
            source.start();
            LiveMigrationTest.runAtLeast(source, 5_000_000);
            source.pause();
            ConfigHeader header = ConfigHeader.of(MachineSnapshot.MACHINE_TYPE, source.memory(),
                    source.vcpus().size());
            int runs = 64 + warm;
            long[] write = new long[runs];
            long[] load = new long[runs];
            var out = new ByteArrayOutputStream(1 << 16);
            byte[] stream = null;
            for (int i = 0; i < runs; i++) {
                out.reset();
                long t0 = THREADS.getCurrentThreadCpuTime();
                var w = new SavedStateWriter(out, header);
                for (StateSection<?> s : source.sections()) {
                    w.writeSection(s);
                }
                w.finish();
                write[i] = THREADS.getCurrentThreadCpuTime() - t0;
                stream = out.toByteArray();
                long t1 = THREADS.getCurrentThreadCpuTime();
                var loader = new SnapshotLoader(header);
                target.sections().forEach(loader::section);
                loader.load(StateSource.of(stream));
                load[i] = THREADS.getCurrentThreadCpuTime() - t1;
            }
            int trailer = ByteBuffer.wrap(stream, (int) ByteBuffer.wrap(stream, stream.length - 16, 8).getLong(), 4)
                    .getInt();
            System.out.printf(Locale.ROOT, "device stream: %d sections, %d bytes, trailer JSON %d bytes%n",
                    source.sections().size(), stream.length, trailer);
            report("write (source, paused)", write, warm);
            report("verify + load (destination)", load, warm);
        }
        System.exit(0);
    }

    private static void report(String what, long[] ns, int warm) {
        System.out.printf(Locale.ROOT, "%-28s first %7.0f us | runs 33-64 %s | last %d %s%n", what, ns[0] / 1e3,
                spread(Arrays.copyOfRange(ns, 32, 64)), warm, spread(Arrays.copyOfRange(ns, ns.length - warm,
                        ns.length)));
    }

    /** Median [10th-90th percentile] in microseconds. */
    private static String spread(long[] ns) {
        long[] s = ns.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%6.1f us [%.1f-%.1f]", s[s.length / 2] / 1e3, s[s.length / 10] / 1e3,
                s[s.length * 9 / 10] / 1e3);
    }
}
