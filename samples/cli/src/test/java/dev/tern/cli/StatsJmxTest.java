package dev.tern.cli;

import dev.tern.kernel.stats.StatsRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tern run --jmx} publishes the machine's stats registry as MBeans, read here over a real
 * JMX connector (the JDK's RMI agent on loopback) from another process, while QMP drives the run.
 */
class StatsJmxTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(300)
    void statsAreReadableOverTheRmiConnector() throws Exception {
        int port;
        try (var free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        List<String> jvm = List.of("-Dcom.sun.management.jmxremote.port=" + port,
                "-Dcom.sun.management.jmxremote.rmi.port=" + port, "-Dcom.sun.management.jmxremote.host=127.0.0.1",
                "-Dcom.sun.management.jmxremote.authenticate=false", "-Dcom.sun.management.jmxremote.ssl=false",
                "-Djava.rmi.server.hostname=127.0.0.1");
        var guests = new LiveMigrationTest();
        guests.dir = dir;
        List<String> args = guests.guestArgs();
        try (MigrationPeer tern = MigrationPeer.start(jvm, LiveMigrationTest.with(
                args.subList(0, args.indexOf("--max-instructions")), "--jmx",
                "--qmp", "unix:" + dir.resolve("q.sock") + ",server").toArray(String[]::new))) {
            String qmp = tern.awaitLine(Pattern.compile("tern: qmp listening on unix:(\\S+)")).group(1);
            try (QmpTestClient c = QmpTestClient.negotiated(java.net.UnixDomainSocketAddress.of(qmp));
                 JMXConnector jmx = JMXConnectorFactory.connect(
                         new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi"))) {
                MBeanServerConnection server = jmx.getMBeanServerConnection();
                Set<ObjectName> names = server.queryNames(new ObjectName("dev.tern:type=Stats,*"), null);
                ObjectName slices = StatsRegistry.objectName("/Machine/Slices");
                assertTrue(names.contains(slices), names.toString());
                assertEquals("slices", server.getAttribute(slices, "Unit"));
                assertEquals(Map.of(), QmpProtocolTest.ret(c.execute("{\"execute\": \"stop\"}")));
                long stopped = (Long) server.getAttribute(slices, "Value");
                String stats = QmpProtocolTest.ret(c.execute(
                        "{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"info stats\"}}"));
                var line = Pattern.compile("(?m)^/Machine/Slices\\s+([\\d,]+) slices").matcher(stats);
                assertTrue(line.find(), stats);
                assertEquals(Long.parseLong(line.group(1).replace(",", "")), stopped,
                        "JMX and info stats read the same counter of the stopped machine");
                assertEquals(Map.of(), QmpProtocolTest.ret(c.execute("{\"execute\": \"quit\"}")));
            }
            assertEquals(0, tern.awaitExit(), tern.output());
        }
    }
}
