package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.migration.MigrationListener;
import dev.tern.kernel.migration.MigrationSource;
import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationStatus;
import dev.tern.kernel.migration.MigrationUri;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Guest-visible post-copy page-fault latency between two JVMs (docs/benchmarks.md, "Post-copy page
 * requests"): this JVM is the source, a child {@code tern run --incoming} the destination, recording
 * its {@code dev.tern.PostcopyPageRequest} flight-recorder events. The 64 MiB rewriter at
 * 100 MiB/s switches to post-copy after the first pass, so the destination's guest keeps touching
 * pages that have not arrived. Not a test: run by hand,
 *
 * <pre>scripts/test-main.sh samples/cli dev.tern.cli.PostcopyLatencyBenchmark TRANSPORT [RUNS]</pre>
 *
 * with TRANSPORT {@code unix} or {@code tcp} (loopback), RUNS default 5, each with a fresh
 * destination JVM. Per run: the requests, the median of the events' durations (request sent until
 * the faulting thread runs on with the page) and the destination's own median (request until
 * install, reported to the source); then the median and range of the per-run medians.
 */
public final class PostcopyLatencyBenchmark {

    private PostcopyLatencyBenchmark() {
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length < 1 || !(argv[0].equals("unix") || argv[0].equals("tcp"))) {
            System.err.println("usage: PostcopyLatencyBenchmark unix|tcp [RUNS]");
            System.exit(2);
        }
        String transport = argv[0];
        int runs = argv.length > 1 ? Integer.parseInt(argv[1]) : 5;
        Path dir = Files.createTempDirectory("tern-postcopy-bench");
        List<String> args = List.of("--bios", MigrationConvergenceTest.rewrite64m(dir).toString(), "-m", "96M",
                "--serial", "none", "--pacing", "warp", "--max-instructions", "400000000");
        MigrationConfig config = MigrationConfig.DEFAULT.withCapability("postcopy-ram", true)
                .with("max-bandwidth", "100M");
        var guests = new LiveMigrationTest();
        List<Double> eventMedians = new ArrayList<>();
        List<Double> reportedMedians = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            Path jfr = dir.resolve("dest-" + run + ".jfr");
            var destArgs = LiveMigrationTest.with(args, "--incoming", LiveMigrationTest.listenAddress(transport, dir));
            Files.deleteIfExists(dir.resolve("m.sock"));
            try (MigrationPeer dest = MigrationPeer.start(List.of("-XX:StartFlightRecording=filename=" + jfr),
                    destArgs.toArray(String[]::new));
                 Machine source = guests.machine(args)) {
                String address = dest.awaitAddress();
                source.start();
                MigrationSource.warmUp(source, guests.plugins);
                LiveMigrationTest.runAtLeast(source, 5_000_000); // all 64 MiB touched
                var migration = new MigrationSource(source, MigrationUri.parse(address).connect(guests.plugins), config,
                        guests.plugins);
                migration.addListener(new MigrationListener() {
                    @Override
                    public void changed(MigrationStatus status, MigrationStats stats) {
                    }

                    @Override
                    public void pass(long pass) {
                        if (pass == 1) {
                            migration.startPostcopy();
                        }
                    }
                });
                MigrationStats s = migration.run();
                if (s.status() != MigrationStatus.COMPLETED || dest.awaitExit() != 0) {
                    throw new IllegalStateException("run " + run + ": " + s.render() + "\n" + dest.output());
                }
                List<Long> durations = new ArrayList<>();
                for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
                    if (e.getEventType().getName().equals("dev.tern.PostcopyPageRequest")) {
                        durations.add(e.getDuration().toNanos());
                    }
                }
                double eventMedian = median(durations) / 1000.0;
                eventMedians.add(eventMedian);
                reportedMedians.add((double) s.postcopy().medianRequestMicros());
                System.out.printf(Locale.ROOT, "| %s | %d | %d | %.0f us | %d us | %d ms | %d ms |%n", transport, run + 1,
                        durations.size(), eventMedian, s.postcopy().medianRequestMicros(), s.totalMs(), s.downtimeMs());
            }
        }
        System.out.println(transport + ": fault round trip (events) median of run medians " + summary(eventMedians)
                + " us; destination's request-to-install " + summary(reportedMedians) + " us; " + runs + " runs");
        System.exit(0);
    }

    private static double median(List<? extends Number> values) {
        List<Double> v = values.stream().map(Number::doubleValue).sorted().toList();
        if (v.isEmpty()) {
            return 0;
        }
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    private static String summary(List<Double> values) {
        List<Double> v = values.stream().sorted().toList();
        return String.format(Locale.ROOT, "%.0f [%.0f..%.0f]", median(v), v.getFirst(), v.getLast());
    }
}
