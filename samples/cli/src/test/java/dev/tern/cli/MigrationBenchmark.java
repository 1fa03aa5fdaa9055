package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.migration.MigrationSource;
import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationUri;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Live migration between two JVMs, measured (docs/benchmarks.md, "Live migration" and "Multifd"): this
 * JVM is the source, a child {@code tern run --incoming} the destination. Not a test: run by hand,
 *
 * <pre>scripts/test-main.sh samples/cli dev.tern.cli.MigrationBenchmark GUEST RAM TRANSPORT XBZRLE
 *     [MAX_BANDWIDTH [CHANNELS [COMPRESSION [RUNS]]]]</pre>
 *
 * with GUEST {@code dirty-writer} (the load generator), {@code rewrite-64m} or {@code random-fill}
 * (253 MiB of incompressible RAM, {@code 256M} only; the migration starts once it is full), RAM
 * e.g. {@code 256M}, TRANSPORT {@code tcp}, {@code unix} or {@code shm}, XBZRLE {@code on}/{@code off},
 * MAX_BANDWIDTH e.g. {@code 100M} or {@code unlimited} (the default), CHANNELS {@code off} (the
 * default) or the multifd channel count, COMPRESSION {@code none} (the default) or a codec id such as
 * {@code lz4}, RUNS how many migrations (default 1; each with a fresh destination JVM, the source JVM
 * reused). Prints one table row per run, then the median and range of the total time and downtime.
 */
public final class MigrationBenchmark {

    /** Where random-fill writes "FULL" once its RAM is random. */
    private static final long FULL_MARKER = 0x500;
    private static final int FULL = 0x4C4C5546;

    private MigrationBenchmark() {
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length < 4) {
            System.err.println("usage: MigrationBenchmark GUEST RAM TRANSPORT XBZRLE [MAX_BANDWIDTH [CHANNELS"
                    + " [COMPRESSION [RUNS]]]]");
            System.exit(2);
        }
        String guest = argv[0];
        String bandwidth = argv.length > 4 ? argv[4] : "unlimited";
        String channels = argv.length > 5 ? argv[5] : "off";
        String compression = argv.length > 6 ? argv[6] : "none";
        int runs = argv.length > 7 ? Integer.parseInt(argv[7]) : 1;
        Path dir = Files.createTempDirectory("tern-migration-bench");
        Path rom = dir.resolve(guest + ".rom");
        try (var in = MigrationBenchmark.class.getResourceAsStream("/guests/" + guest + ".rom")) {
            if (in == null) {
                throw new IllegalArgumentException("no guest ROM /guests/" + guest + ".rom");
            }
            Files.write(rom, in.readAllBytes());
        }
        List<String> args = List.of("--bios", rom.toString(), "-m", argv[1], "--serial", "none", "--pacing", "warp",
                "--max-instructions", "0");
        MigrationConfig config = MigrationConfig.DEFAULT.withCapability("xbzrle", argv[3].equals("on"))
                .with("xbzrle-cache-size", "128M").with("timeout", "15000").with("compression", compression);
        if (!bandwidth.equals("unlimited")) {
            config = config.with("max-bandwidth", bandwidth);
        }
        if (!channels.equals("off")) {
            config = config.withCapability("multifd", true).with("multifd-channels", channels);
        }
        var guests = new LiveMigrationTest();
        var destArgs = new ArrayList<>(args);
        destArgs.addAll(List.of("--incoming", LiveMigrationTest.listenAddress(argv[2], dir)));
        List<Long> totals = new ArrayList<>();
        List<Long> downtimes = new ArrayList<>();
        List<String> rows = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            try (MigrationPeer dest = MigrationPeer.start(destArgs.toArray(String[]::new));
                 Machine source = guests.machine(args)) {
                String address = dest.awaitAddress();
                source.start();
                MigrationSource.warmUp(source, guests.plugins); // as `tern run --monitor` does after start
                LiveMigrationTest.runAtLeast(source, 20_000_000);
                if (guest.equals("random-fill")) {
                    awaitFull(source);
                }
                MigrationUri uri = MigrationUri.parse(address);
                var migration = new MigrationSource(source, uri.connect(guests.plugins), config, guests.plugins,
                        () -> uri.connect(guests.plugins));
                MigrationStats s = migration.run();
                System.out.println(s.render());
                String row = String.format(Locale.ROOT,
                        "| %s %s | %s | xbzrle %s | %s | %s | %s | %d ms | %d ms (est. %s ms) | %.1f MiB | %d | %d | %s |",
                        guest, argv[1], argv[2], argv[3], compression, channels, bandwidth, s.totalMs(), s.downtimeMs(),
                        s.expectedDowntimeMs() == Long.MAX_VALUE ? "-" : Long.toString(s.expectedDowntimeMs()),
                        s.ramTransferred() / 1048576.0, s.rounds(), s.codec("xbzrle").getOrDefault("pages", 0L),
                        s.status().label());
                System.out.println(row);
                rows.add(row);
                totals.add(s.totalMs());
                downtimes.add(s.downtimeMs());
            }
        }
        rows.forEach(System.out::println);
        System.out.println("total ms: " + summary(totals) + "; downtime ms: " + summary(downtimes));
        System.exit(0);
    }

    /** {@code median (min-max), n runs}. */
    private static String summary(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        long median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        return median + " (" + sorted.getFirst() + "-" + sorted.getLast() + "), " + n + " runs";
    }

    /** Waits until random-fill has filled its RAM (a benchmark's wait, bounded). */
    private static void awaitFull(Machine source) {
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (source.memory().readU32(FULL_MARKER) != FULL) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("random-fill did not fill its RAM within 300 s");
            }
            Thread.onSpinWait();
        }
    }
}
