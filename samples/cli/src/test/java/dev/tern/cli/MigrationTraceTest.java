package dev.tern.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.migration.MigrationSource;
import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationStatus;
import dev.tern.kernel.migration.MigrationUri;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * A migration between two JVMs leaves its steps in the flight recorder: the source's rounds and
 * pause phases in this JVM's recording, the destination's receive phases in the file its
 * {@code -XX:StartFlightRecording} writes on exit — agreeing with what {@code info migrate} reports.
 */
@Isolated("its JFR recordings see the events of every thread of the JVM")
class MigrationTraceTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(300)
    void bothSidesRecordEveryStepOfAMigration() throws Exception {
        var guests = new LiveMigrationTest();
        guests.dir = dir;
        List<String> args = guests.guestArgs();
        Path destFile = dir.resolve("dest.jfr");
        Path sourceFile = dir.resolve("source.jfr");
        MigrationStats stats;
        try (Recording recording = new Recording();
             MigrationPeer dest = MigrationPeer.start(List.of("-XX:StartFlightRecording=filename=" + destFile),
                     LiveMigrationTest.with(args, "--incoming", "tcp:127.0.0.1:0").toArray(String[]::new));
             Machine source = guests.machine(args)) {
            for (String name : List.of("dev.tern.MigrationRound", "dev.tern.MigrationPausePhase",
                    "dev.tern.MigrationStatus")) {
                recording.enable(name).withThreshold(Duration.ZERO);
            }
            String address = dest.awaitAddress();
            source.start();
            LiveMigrationTest.runAtLeast(source, 2_000_000);
            var migration = new MigrationSource(source, MigrationUri.parse(address).connect(guests.plugins),
                    MigrationConfig.DEFAULT, guests.plugins);
            recording.start();
            stats = migration.run();
            recording.stop();
            recording.dump(sourceFile);
            assertEquals(MigrationStatus.COMPLETED, stats.status(), stats.error() + "\n" + dest.output());
            assertEquals(0, dest.awaitExit(), dest.output());
        }

        List<RecordedEvent> source = RecordingFile.readAllEvents(sourceFile);
        List<RecordedEvent> rounds = named(source, "dev.tern.MigrationRound");
        assertEquals(stats.rounds(), rounds.size(), stats.render());
        for (int i = 0; i < rounds.size(); i++) {
            RecordedEvent r = rounds.get(i);
            assertEquals(i + 1, r.getInt("round"));
            assertEquals(i == rounds.size() - 1, r.getBoolean("switchOver"), "only the last round switches over");
            assertTrue(r.getLong("sentBytes") > 0, r.toString());
        }
        Set<String> phases = new TreeSet<>();
        long pauseBytes = 0;
        for (RecordedEvent p : named(source, "dev.tern.MigrationPausePhase")) {
            phases.add(p.getString("phase"));
            pauseBytes += p.getLong("sentBytes");
        }
        assertEquals(stats.downtimePhasesUs().keySet(), phases, "the same phases as info migrate");
        assertEquals(stats.pauseBytes(), pauseBytes, "the phases' bytes add up to the pause's");
        assertEquals(List.of("setup", "active", "device", "completed"), named(source, "dev.tern.MigrationStatus")
                .stream().map(e -> e.getString("status")).toList());

        List<RecordedEvent> received = named(RecordingFile.readAllEvents(destFile), "dev.tern.MigrationReceivePhase");
        List<String> order = received.stream().map(e -> e.getString("phase")).toList();
        assertEquals(List.of("end-part", "ram", "devices"), order.subList(order.size() - 3, order.size()), order.toString());
        RecordedEvent devices = received.getLast();
        assertTrue(devices.getLong("bytes") > 0 && devices.getLong("bytes") < 64 << 10, devices.toString());
        RecordedEvent ram = received.get(received.size() - 2);
        assertTrue(ram.getLong("bytes") > 0 && ram.getLong("bytes") <= stats.ramTransferred(), ram + "\n" + stats.render());
        assertFalse(ram.getDuration().isNegative());
    }

    /**
     * A destination of another RAM size refuses the stream: the source's status events go from
     * setup to failed, never to completed, and the refusal's reason is the stats' error.
     */
    @Test
    @Timeout(300)
    void aFailedMigrationsTraceEndsInFailed() throws Exception {
        var guests = new LiveMigrationTest();
        guests.dir = dir;
        List<String> args = guests.guestArgs();
        List<String> other = args.stream().map(a -> a.equals("4M") ? "8M" : a).toList();
        Path sourceFile = dir.resolve("failed.jfr");
        MigrationStats stats;
        try (Recording recording = new Recording();
             MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(other, "--incoming", "tcp:127.0.0.1:0")
                     .toArray(String[]::new));
             Machine source = guests.machine(args)) {
            recording.enable("dev.tern.MigrationStatus").withThreshold(Duration.ZERO);
            String address = dest.awaitAddress();
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            var migration = new MigrationSource(source, MigrationUri.parse(address).connect(guests.plugins),
                    MigrationConfig.DEFAULT, guests.plugins);
            recording.start();
            stats = migration.run();
            recording.stop();
            recording.dump(sourceFile);
            assertEquals(MigrationStatus.FAILED, stats.status(), stats.render());
            assertEquals(2, dest.awaitExit(), dest.output());
        }
        List<String> statuses = named(RecordingFile.readAllEvents(sourceFile), "dev.tern.MigrationStatus").stream()
                .map(e -> e.getString("status")).toList();
        assertEquals("setup", statuses.getFirst(), statuses.toString());
        assertEquals("failed", statuses.getLast(), statuses.toString());
        assertFalse(statuses.contains("completed"), statuses.toString());
    }

    /**
     * Post-copy of the 64 MiB rewriter: the destination's recording holds one
     * {@code dev.tern.PostcopyPageRequest} per page request the source served, each naming a page
     * of the guest's RAM, and the source's status events pass through postcopy-active.
     */
    @Test
    @Timeout(300)
    void postcopyPageRequestsAreInTheDestinationsRecording() throws Exception {
        var guests = new LiveMigrationTest();
        guests.dir = dir;
        List<String> args = List.of("--bios", MigrationConvergenceTest.rewrite64m(dir).toString(), "-m", "96M",
                "--serial", "none", "--pacing", "warp", "--max-instructions", Long.toString(PostcopyMigrationTest.LIMIT));
        Path destFile = dir.resolve("postcopy-dest.jfr");
        Path sourceFile = dir.resolve("postcopy-source.jfr");
        MigrationStats stats;
        try (Recording recording = new Recording();
             MigrationPeer dest = MigrationPeer.start(List.of("-XX:StartFlightRecording=filename=" + destFile),
                     LiveMigrationTest.with(args, "--incoming", "tcp:127.0.0.1:0").toArray(String[]::new));
             Machine source = guests.machine(args)) {
            recording.enable("dev.tern.MigrationStatus").withThreshold(Duration.ZERO);
            String address = dest.awaitAddress();
            source.start();
            LiveMigrationTest.runAtLeast(source, 5_000_000);
            var migration = new MigrationSource(source, MigrationUri.parse(address).connect(guests.plugins),
                    MigrationConfig.DEFAULT.withCapability("postcopy-ram", true).with("max-bandwidth", "100M"),
                    guests.plugins);
            migration.addListener(new dev.tern.kernel.migration.MigrationListener() {
                @Override
                public void changed(MigrationStatus status, MigrationStats s) { }

                @Override
                public void pass(long pass) {
                    if (pass == 1) {
                        migration.startPostcopy();
                    }
                }
            });
            recording.start();
            stats = migration.run();
            recording.stop();
            recording.dump(sourceFile);
            assertEquals(MigrationStatus.COMPLETED, stats.status(), stats.render() + "\n" + dest.output());
            assertEquals(0, dest.awaitExit(), dest.output()); // at the limit: its recording is written on exit
        }
        assertTrue(named(RecordingFile.readAllEvents(sourceFile), "dev.tern.MigrationStatus").stream()
                .map(e -> e.getString("status")).toList().contains("postcopy-active"));
        List<RecordedEvent> requests = named(RecordingFile.readAllEvents(destFile), "dev.tern.PostcopyPageRequest");
        assertEquals(stats.postcopy().requests(), requests.size(), stats.render());
        long pages = (96L << 20) / 4096;
        assertTrue(requests.stream().allMatch(e -> e.getLong("page") >= 0 && e.getLong("page") < pages
                && !e.getDuration().isNegative()), requests.toString());
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }
}
