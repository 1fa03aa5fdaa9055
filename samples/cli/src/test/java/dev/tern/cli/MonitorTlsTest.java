package dev.tern.cli;

import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.testkit.transport.TestCertificates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static dev.tern.cli.QmpProtocolTest.ret;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The human monitor and QMP over {@code tls:} in a real {@code tern run} process, with
 * certificates made at test time: a client with the CA-signed "client" certificate is served; one
 * whose certificate another CA signed, or that has none, is refused at the handshake and the
 * server goes on to serve the next client.
 */
class MonitorTlsTest {

    private static TestCertificates pki;

    @TempDir
    Path dir;

    @BeforeAll
    static void certificates() throws Exception {
        pki = TestCertificates.shared();
    }

    @Test
    @Timeout(300)
    void qmpAndTheHumanMonitorServeMutuallyAuthenticatedTlsClientsOnly() throws Exception {
        PluginRegistry plugins = RunMachines.plugins();
        String options = pki.options("node", "ca");
        try (MigrationPeer tern = MigrationPeer.start("--bios", RunMachines.guest(dir, "dirty-writer.rom").toString(),
                "--serial", "none", "--pacing", "warp", "-m", "4M",
                "--max-instructions", "0", "--qmp", "tls:127.0.0.1:0" + options + ",server",
                "--monitor", "tls:127.0.0.1:0" + options)) {
            String qmp = "tls:" + tern.awaitLine(Pattern.compile("qmp listening on tls:(\\S+)")).group(1);
            String hmp = "tls:" + tern.awaitLine(Pattern.compile("monitor listening on tls:(\\S+)")).group(1);
            assertTrue(qmp.matches("tls:127\\.0\\.0\\.1:\\d+") && hmp.matches("tls:127\\.0\\.0\\.1:\\d+"),
                    "the addresses show no credentials: " + qmp + ", " + hmp);

            // a stranger's certificate (another CA) and a client without one: refused, nothing served
            assertThrows(IOException.class, () -> {
                try (var c = QmpTestClient.over(MigrationUri.parse(qmp + pki.options("stranger", "ca")).connect(plugins))) {
                    c.execute("{\"execute\": \"qmp_capabilities\"}");
                }
            });
            assertThrows(IOException.class, () -> {
                try (var c = QmpTestClient.over(MigrationUri.parse(qmp + "?ca=" + pki.ca("ca")).connect(plugins))) {
                    c.execute("{\"execute\": \"qmp_capabilities\"}");
                }
            });

            try (var c = QmpTestClient.over(MigrationUri.parse(qmp + pki.options("client", "ca")).connect(plugins))) {
                assertTrue(c.greeting.containsKey("QMP"), c.greeting.toString());
                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"qmp_capabilities\"}")));
                assertEquals("running", ((Map<?, ?>) ret(c.execute("{\"execute\": \"query-status\"}"))).get("status"));
            }

            try (var hc = MigrationUri.parse(hmp + pki.options("client", "ca")).connect(plugins)) {
                var in = new BufferedReader(new InputStreamReader(Channels.newInputStream(hc), StandardCharsets.UTF_8));
                var out = new PrintStream(Channels.newOutputStream(hc), true, StandardCharsets.UTF_8);
                assertTrue(in.readLine().startsWith("Tern monitor"));
                out.println("info status");
                String line;
                do {
                    line = in.readLine();
                } while (line != null && !line.contains("VM status:"));
                assertEquals("VM status: running", line == null ? null : line.substring(line.indexOf("VM status:")));
                out.println("quit");
            }
            assertEquals(0, tern.awaitExit(), tern.output());
        }
    }
}
