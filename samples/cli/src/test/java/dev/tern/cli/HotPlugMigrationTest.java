package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.SnapshotStore;
import dev.tern.kernel.monitor.qmp.QmpServer;
import dev.tern.kernel.plugin.PluginRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.tern.cli.QmpProtocolTest.ret;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hot-plugged device travels with the machine's state: a destination in another JVM started
 * without it refuses the migration, naming it, and the source runs on; one started with it
 * (--device) takes the guest.
 */
class HotPlugMigrationTest {

    private static final Set<String> FINAL = Set.of("completed", "failed", "cancelled");

    @TempDir
    Path dir;

    @Test
    @Timeout(300)
    void aDestinationMustHaveTheHotPluggedDevice() throws Exception {
        Path disk = dir.resolve("hd1.img");
        Files.write(disk, new byte[1 << 20]);
        // auto-converge and a long downtime limit: the dirty-writer must switch over under load too
        onlyToADestinationWithTheCard(List.of(), "\"path\": \"" + disk + "\"",
                "virtio-blk,name=hd1,path=" + disk, "instance hd1",
                "{\"capability\": \"events\", \"state\": true}, {\"capability\": \"auto-converge\", \"state\": true}",
                "{\"downtime-limit\": 2000}");
    }

    @Test
    @Timeout(300)
    void aCardHotPluggedBehindABridgeMigratesOnlyToADestinationWithItInThatSlot() throws Exception {
        Path disk = dir.resolve("hd1.img");
        Files.write(disk, new byte[1 << 20]);
        onlyToADestinationWithTheCard(List.of("--device", "pci-bridge,name=br1,chassis_nr=1,addr=5"),
                "\"bus\": \"br1\", \"addr\": \"2\", \"path\": \"" + disk + "\"",
                "virtio-blk,name=hd1,path=" + disk + ",bus=br1,addr=2",
                "slot 0x02 behind the bridge holds a card on the source but is empty here",
                "{\"capability\": \"events\", \"state\": true}", "{}");
    }

    /**
     * Hot-plugs virtio-blk-pci {@code hd1} ({@code cardArguments} of QMP's device_add) into the
     * dirty-writer guest started with {@code extra} options, then migrates it over QMP: to a
     * destination without the card, which refuses naming it ({@code refusal}) while the source
     * runs on, then to one started with {@code --device cardOption}, which takes the guest.
     */
    private void onlyToADestinationWithTheCard(List<String> extra, String cardArguments, String cardOption,
            String refusal, String capabilities, String parameters) throws Exception {
        var guests = new LiveMigrationTest();
        guests.dir = dir;
        List<String> base = guests.guestArgs();
        List<String> args = LiveMigrationTest.with(base, extra.toArray(String[]::new));
        List<String> endless = LiveMigrationTest.with(base.subList(0, base.indexOf("--max-instructions")),
                extra.toArray(String[]::new));
        try (Machine source = guests.machine(endless)) {
            var mon = new Monitor(source, new SnapshotStore(dir));
            new MigrationCommands(source, PluginRegistry.discover(getClass().getClassLoader(), List.of()), System.err)
                    .registerOn(mon);
            source.start();
            try (QmpServer server = QmpServer.open("unix:" + dir.resolve("q.sock") + ",server", mon);
                 QmpTestClient c = QmpTestClient.negotiated(server.address())) {
                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"device_add\", \"arguments\": {\"driver\": "
                        + "\"virtio-blk-pci\", \"id\": \"hd1\", " + cardArguments + "}}")));
                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"migrate-set-capabilities\", \"arguments\": "
                        + "{\"capabilities\": [" + capabilities + "]}}")));
                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"migrate-set-parameters\", \"arguments\": "
                        + parameters + "}")));

                try (MigrationPeer without = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming",
                        "tcp:127.0.0.1:0").toArray(String[]::new))) {
                    assertEquals("failed", migrate(c, without.awaitAddress()));
                    String why = (String) ((Map<?, ?>) ret(c.execute("{\"execute\": \"query-migrate\"}"))).get("error-desc");
                    assertTrue(why.contains(refusal), why);
                    assertNotEquals(0, without.awaitExit(), without.output());
                    assertTrue(without.output().contains(refusal), without.output());
                }
                assertEquals("running", ((Map<?, ?>) ret(c.execute("{\"execute\": \"query-status\"}"))).get("status"),
                        "a failed migration leaves the source running");
                assertTrue(source.spec().devices().stream().anyMatch(d -> d.instance().equals("hd1")));

                try (MigrationPeer with = MigrationPeer.start(LiveMigrationTest.with(args, "--device", cardOption,
                        "--incoming", "tcp:127.0.0.1:0").toArray(String[]::new))) {
                    assertEquals("completed", migrate(c, with.awaitAddress()));
                    assertEquals(0, with.awaitExit(), with.output());
                }
                source.stop("the guest moved");
            }
        }
    }

    /** Starts a migration to {@code address} and returns the status it ends in. */
    private static String migrate(QmpTestClient c, String address) throws Exception {
        assertEquals(Map.of(), ret(c.execute("{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"" + address + "\"}}")));
        while (true) {
            String status = (String) ((Map<?, ?>) c.event("MIGRATION").get("data")).get("status");
            if (FINAL.contains(status)) {
                if (status.equals("completed")) {
                    c.event("STOP");
                }
                return status;
            }
        }
    }
}
