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

/**
 * A migration between two JVMs leaves its steps in the flight recorder: the source's rounds and
 * pause phases in this JVM's recording, the destination's receive phases in the file its
 * {@code -XX:StartFlightRecording} writes on exit — agreeing with what {@code info migrate} reports.
 */
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
        assertEquals(stats.downtimePhasesMs().keySet(), phases, "the same phases as info migrate");
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

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }
}
