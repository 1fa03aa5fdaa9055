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
 * Live migration between two JVMs, measured (docs/benchmarks.md, "Live migration"): this JVM is the
 * source, a child {@code tern run --incoming} the destination. Not a test: run by hand,
 *
 * <pre>java -Xss8m -cp TEST_CLASSPATH dev.tern.cli.MigrationBenchmark GUEST RAM TRANSPORT XBZRLE [MAX_BANDWIDTH]</pre>
 *
 * with GUEST {@code dirty-writer} (the load generator) or {@code rewrite-64m}, RAM e.g. {@code 256M},
 * TRANSPORT {@code tcp}, {@code unix} or {@code shm}, XBZRLE {@code on}/{@code off}, MAX_BANDWIDTH
 * e.g. {@code 100M} (default unlimited). Prints one table row: total time, downtime (and the
 * estimate), bytes sent, iterations, XBZRLE pages, status.
 */
public final class MigrationBenchmark {

    private MigrationBenchmark() {
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length < 4) {
            System.err.println("usage: MigrationBenchmark GUEST RAM TRANSPORT XBZRLE [MAX_BANDWIDTH]");
            System.exit(2);
        }
        String guest = argv[0];
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
                .with("xbzrle-cache-size", "128M").with("timeout", "15000");
        if (argv.length > 4) {
            config = config.with("max-bandwidth", argv[4]);
        }
        var guests = new LiveMigrationTest();
        var destArgs = new ArrayList<>(args);
        destArgs.addAll(List.of("--incoming", LiveMigrationTest.listenAddress(argv[2], dir)));
        try (MigrationPeer dest = MigrationPeer.start(destArgs.toArray(String[]::new));
             Machine source = guests.machine(args)) {
            String address = dest.awaitAddress();
            source.start();
            MigrationSource.warmUp(source, guests.plugins); // as `tern run --monitor` does after start
            LiveMigrationTest.runAtLeast(source, 20_000_000);
            var migration = new MigrationSource(source, MigrationUri.parse(address).connect(guests.plugins), config,
                    guests.plugins);
            MigrationStats s = migration.run();
            System.out.println(s.render());
            System.out.printf(Locale.ROOT, "| %s %s | %s | xbzrle %s | %s | %d ms | %d ms (est. %s ms) | %.1f MiB | %d | %d | %s |%n",
                    guest, argv[1], argv[2], argv[3], argv.length > 4 ? argv[4] : "unlimited", s.totalMs(),
                    s.downtimeMs(), s.expectedDowntimeMs() == Long.MAX_VALUE ? "-" : Long.toString(s.expectedDowntimeMs()),
                    s.ramTransferred() / 1048576.0, s.rounds(), s.codec("xbzrle").getOrDefault("pages", 0L),
                    s.status().label());
        }
        System.exit(0);
    }
}
