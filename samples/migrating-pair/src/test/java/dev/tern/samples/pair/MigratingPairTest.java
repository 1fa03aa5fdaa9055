package dev.tern.samples.pair;

import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sample as its README runs it: real sockets on loopback, real guest code on both machines. */
class MigratingPairTest {

    private static String run(String uri, List<String> capabilities, MigrationStats[] stats) throws Exception {
        var bytes = new ByteArrayOutputStream();
        try (var out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            stats[0] = MigratingPair.run(uri, capabilities, out);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static void assertMigrated(String out, MigrationStats stats) {
        assertEquals(MigrationStatus.COMPLETED, stats.status(), stats.error() + "\n" + out);
        assertTrue(out.contains("source:      ready, #1 BEFORE total=6"), out);
        assertTrue(out.contains("destination: #2 AFTER total=11"), "the guest's count did not move with it:\n" + out);
        assertTrue(out.contains("Migration status: completed"), out);
        assertTrue(stats.ramTransferred() > 0 && stats.normalPages() > 0, "no guest page was sent:\n" + out);
    }

    @Test
    @Timeout(60)
    void migratesOverTcp() throws Exception {
        var stats = new MigrationStats[1];
        String out = run("tcp:127.0.0.1:0", List.of(), stats);
        assertMigrated(out, stats[0]);
        assertTrue(out.contains("migration over tcp:127.0.0.1:"), out);
    }

    @Test
    @Timeout(60)
    void migratesOverAUnixSocketWithXbzrle(@TempDir Path dir) throws Exception {
        var stats = new MigrationStats[1];
        Path socket = dir.resolve("pair.sock");
        String out = run("unix:" + socket, List.of("xbzrle"), stats);
        assertMigrated(out, stats[0]);
        assertTrue(out.contains("migration over unix:" + socket), out);
    }

    @Test
    void anUnknownTransportIsNamed() {
        var e = assertThrows(RuntimeException.class, () -> run("carrier-pigeon:home", List.of(), new MigrationStats[1]));
        assertTrue(e.getMessage().contains("carrier-pigeon"), e.getMessage());
    }
}
