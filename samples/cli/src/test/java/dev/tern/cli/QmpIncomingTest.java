package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.SnapshotStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static dev.tern.cli.QmpProtocolTest.err;
import static dev.tern.cli.QmpProtocolTest.ret;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code tern run --incoming defer}: QMP's migrate-incoming names the address, then the guest arrives and runs. */
class QmpIncomingTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(300)
    void migrateIncomingReceivesADeferredMigration() throws Exception {
        var guests = new LiveMigrationTest();
        guests.dir = dir;
        List<String> args = guests.guestArgs();
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming", "defer",
                "--qmp", "unix:" + dir.resolve("d.sock") + ",server").toArray(String[]::new));
             Machine source = guests.machine(args)) {
            String qmp = dest.awaitLine(Pattern.compile("tern: qmp listening on unix:(\\S+)")).group(1);
            try (QmpTestClient c = QmpTestClient.negotiated(UnixDomainSocketAddress.of(qmp))) {
                assertEquals("prelaunch", ((Map<?, ?>) ret(c.execute("{\"execute\": \"query-status\"}"))).get("status"));
                err(c.execute("{\"execute\": \"migrate-incoming\", \"arguments\": {\"uri\": \"nowhere\"}}"), "GenericError",
                        "migration URI 'nowhere' is not SCHEME:ADDRESS (e.g. tcp:HOST:PORT)");
                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"migrate-incoming\", \"arguments\": "
                        + "{\"uri\": \"tcp:127.0.0.1:0\"}}")));
                err(c.execute("{\"execute\": \"migrate-incoming\", \"arguments\": {\"uri\": \"tcp:127.0.0.1:0\"}}"),
                        "GenericError", "The incoming migration has already been started");
                String address = dest.awaitAddress();

                var mon = new Monitor(source, new SnapshotStore(dir));
                new MigrationCommands(source, guests.plugins, System.err).registerOn(mon);
                source.start();
                LiveMigrationTest.runAtLeast(source, 1_000_000);
                assertEquals("", mon.execute("migrate_set_capability auto-converge on"));
                assertEquals("", mon.execute("migrate " + address), dest.output());

                c.event("RESUME");
                assertEquals("running", ((Map<?, ?>) ret(c.execute("{\"execute\": \"query-status\"}"))).get("status"),
                        "the guest runs on at the destination, under the same QMP session");
                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"quit\"}")));
                assertEquals(Map.of("guest", false, "reason", "host-qmp-quit"), c.event("SHUTDOWN").get("data"));
            }
            assertEquals(0, dest.awaitExit(), dest.output());
        }
    }
}
