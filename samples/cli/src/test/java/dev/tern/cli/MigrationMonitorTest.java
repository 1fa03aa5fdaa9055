package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.SnapshotStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The monitor's migration commands drive a real migration to another JVM and report on it. */
class MigrationMonitorTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(300)
    void settingsMigrateAndInfo() throws Exception {
        var guests = new LiveMigrationTest();
        guests.dir = dir;
        List<String> args = guests.guestArgs();
        var events = new ByteArrayOutputStream();
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming", "tcp:127.0.0.1:0")
                .toArray(String[]::new));
             Machine source = guests.machine(args)) {
            String address = dest.awaitAddress();
            var mon = new Monitor(source, new SnapshotStore(dir));
            new MigrationCommands(source, guests.plugins, new PrintStream(events, true, StandardCharsets.UTF_8))
                    .registerOn(mon);
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);

            assertEquals("", mon.execute("migrate_set_capability xbzrle on"));
            assertEquals("", mon.execute("migrate_set_capability events on"));
            assertEquals("", mon.execute("migrate_set_parameter downtime-limit 50"));
            assertEquals("", mon.execute("migrate_set_parameter compression lz4"));
            assertEquals("", mon.execute("migrate_set_cachesize 8M"));
            assertEquals("xbzrle: on\nauto-converge: off\nevents: on\nmultifd: off\npostcopy-ram: off\n"
                    + "block-migration: off\n",
                    mon.execute("info migrate_capabilities"));
            // RAM over 2 extra connections, each with its own XBZRLE cache (4M each) and LZ4
            assertEquals("", mon.execute("migrate_set_capability multifd on"));
            assertTrue(mon.execute("migrate_set_parameter multifd-channels 0").contains("multifd-channels must be 1..16"));
            assertTrue(mon.execute("migrate_set_parameter multifd-channels 17").contains("multifd-channels must be 1..16"));
            assertEquals("", mon.execute("migrate_set_parameter multifd-channels 2"));
            String params = mon.execute("info migrate_parameters");
            assertTrue(params.contains("downtime-limit: 50 ms") && params.contains("xbzrle-cache-size: 8388608 bytes")
                    && params.contains("compression: lz4") && params.contains("multifd-channels: 2"), params);

            assertTrue(mon.execute("migrate_set_capability warp-speed on").startsWith("Error: unknown capability"));
            assertEquals("", mon.execute("migrate_set_capability auto-converge on"));
            assertTrue(mon.execute("info migrate_capabilities").contains("auto-converge: on"));
            assertEquals("", mon.execute("migrate_set_capability auto-converge off"));
            assertTrue(mon.execute("migrate_set_capability xbzrle maybe").contains("neither on nor off"));
            assertTrue(mon.execute("migrate_set_parameter downtime-limit soon").contains("not a whole number"));
            assertTrue(mon.execute("migrate_set_parameter compression z/std").contains("none or a page codec id"));
            assertTrue(mon.execute("migrate -x " + address).contains("is not -d, -b or -r"));
            assertTrue(mon.execute("migrate nowhere").contains("not SCHEME:ADDRESS"));

            assertEquals("", mon.execute("migrate " + address), dest.output());
            String info = mon.execute("info migrate");
            System.out.println(info);
            assertTrue(info.contains("Migration status: completed"), info);
            assertTrue(info.contains("xbzrle cache miss rate:") && info.contains("xbzrle cache size: 8388608"), info);
            assertTrue(info.contains("dirty sync count:") && info.contains("downtime:"), info);
            assertEquals("VM status: postmigrate\n", mon.execute("info status"));
            assertTrue(events.toString(StandardCharsets.UTF_8).contains("status=completed"), events.toString());
            assertEquals(0, dest.awaitExit(), dest.output());
        }
    }
}
