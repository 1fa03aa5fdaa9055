package dev.tern.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.spi.ConfigException;
import dev.tern.testkit.codec.ProviderConfig;
import dev.tern.transport.channel.StreamConnection;
import dev.tern.transport.channel.StreamListener;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class TcpTransportTest {

    private final TcpTransportProvider provider = new TcpTransportProvider();

    @Test
    void parsesHostPortAndBracketedIpv6() {
        assertEquals(new TcpAddress("127.0.0.1", 4444), TcpAddress.parse("127.0.0.1:4444"));
        assertEquals(new TcpAddress("::1", 0), TcpAddress.parse("[::1]:0"));
        assertEquals(new TcpAddress("example.org", 65535), TcpAddress.parse("example.org:65535"));
        assertEquals("[::1]:80", new TcpAddress("::1", 80).toString());
        assertEquals("localhost:80", new TcpAddress("localhost", 80).toString());
    }

    @Test
    void refusesMalformedAddressesByName() {
        for (String bad : new String[] {"", "host", "host:", ":80", "::1:80", "[::1]80", "[::1", "h:65536", "h:-1", "h:1x"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> TcpAddress.parse(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void ephemeralListenerReportsItsRealPortAndSetsSocketOptions() throws IOException {
        var config = ProviderConfig.defaults(provider);
        try (StreamListener a = provider.listen("127.0.0.1:0", config);
             StreamListener b = provider.listen("127.0.0.1:0", config)) {
            TcpAddress address = TcpAddress.parse(a.address().substring("tcp:".length()));
            assertNotEquals(0, address.port());
            assertNotEquals(a.address(), b.address());
            try (StreamConnection source = provider.connect(address.toString(), config);
                 StreamConnection destination = a.accept()) {
                assertEquals("tcp:" + address, source.peer());
                assertTrue(destination.peer().startsWith("tcp:127.0.0.1:"), destination.peer());
            }
        }
    }

    @Test
    void worksOverIpv6LoopbackWhenTheHostHasIt() throws IOException {
        if (!hasIpv6Loopback()) {
            // Without ::1 the attempt must fail cleanly instead.
            assertThrows(IOException.class, () -> provider.listen("[::1]:0", ProviderConfig.defaults(provider)).close());
            return;
        }
        var config = ProviderConfig.defaults(provider);
        try (StreamListener listener = provider.listen("[::1]:0", config)) {
            assertTrue(listener.address().startsWith("tcp:[::1]:"), listener.address());
            try (StreamConnection source = provider.connect(listener.address().substring(4), config);
                 StreamConnection destination = listener.accept()) {
                source.write(ByteBuffer.wrap(new byte[] {7}));
                ByteBuffer one = ByteBuffer.allocate(1);
                assertEquals(1, destination.read(one));
                assertEquals(7, one.get(0));
            }
        }
    }

    @Test
    void unresolvableHostFailsNamingTheHost() {
        UnknownHostException e = assertThrows(UnknownHostException.class,
                () -> provider.connect("no-such-host.invalid:4444", ProviderConfig.defaults(provider)));
        assertTrue(e.getMessage().contains("no-such-host.invalid"), e.getMessage());
    }

    @Test
    void refusedConnectionIsAConnectException() throws IOException {
        int port;
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
        ConnectException e = assertThrows(ConnectException.class,
                () -> provider.connect("127.0.0.1:" + port, ProviderConfig.defaults(provider)));
        assertTrue(e.getMessage().contains("tcp:127.0.0.1:" + port), e.getMessage());
    }

    @Test
    void connectGivesUpAfterTheConnectTimeout() throws IOException {
        // Linux drops SYNs to a listener whose accept queue (backlog 1, so 2 entries) is full and
        // never answers: the third connection attempt hangs in SYN-SENT until our timeout.
        try (ServerSocketChannel full = ServerSocketChannel.open()) {
            full.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            InetSocketAddress at = (InetSocketAddress) full.getLocalAddress();
            try (var first = java.nio.channels.SocketChannel.open(at);
                 var second = java.nio.channels.SocketChannel.open(at)) {
                SocketTimeoutException e = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThrows(
                        SocketTimeoutException.class, () -> provider.connect("127.0.0.1:" + at.getPort(),
                                ProviderConfig.of(provider, Map.of("connect-timeout", "300ms")))));
                assertTrue(e.getMessage().contains("300ms") && e.getMessage().contains("tcp:127.0.0.1:" + at.getPort()),
                        e.getMessage());
                assertTrue(first.isConnected() && second.isConnected());
            }
        }
    }

    @Test
    void optionsComeFromConfiguration() {
        TcpOptions options = TcpOptions.from(ProviderConfig.of(provider,
                Map.of("connect-timeout", "2s", "io-timeout", "250ms", "nodelay", "off", "keepalive", "no")));
        assertEquals(Duration.ofSeconds(2), options.connectTimeout());
        assertEquals(Duration.ofMillis(250), options.idleTimeout().duration());
        assertEquals(false, options.noDelay());
        assertEquals(false, options.keepAlive());
        assertThrows(ConfigException.class, () -> ProviderConfig.of(provider, Map.of("io-timeout", "soon")));
    }

    /**
     * Options in the address override the configuration on both ends: a 200 ms idle timeout given
     * as {@code ?io-timeout=200ms} ends a read from a silent peer (the configuration says 30 s), and
     * the listener's reported address carries no options.
     */
    @Test
    void addressOptionsOverrideTheConfiguration() throws IOException {
        var config = ProviderConfig.defaults(provider);
        try (StreamListener listener = provider.listen("127.0.0.1:0?io-timeout=200ms&nodelay=off", config);
             StreamConnection source = provider.connect(listener.address().substring(4) + "?io-timeout=200ms", config);
             StreamConnection destination = listener.accept()) {
            assertTrue(listener.address().matches("tcp:127\\.0\\.0\\.1:\\d+"), listener.address());
            assertEquals(false, destination.option(StandardSocketOptions.TCP_NODELAY));
            assertEquals(true, source.option(StandardSocketOptions.TCP_NODELAY));
            for (StreamConnection end : new StreamConnection[] {source, destination}) {
                SocketTimeoutException e = assertThrows(SocketTimeoutException.class,
                        () -> end.read(ByteBuffer.allocate(1)));
                assertTrue(e.getMessage().contains("for 200ms (idle timeout)"), e.getMessage());
            }
        }
    }

    @Test
    void badAddressOptionsAreRefusedByName() {
        var config = ProviderConfig.defaults(provider);
        for (String[] bad : new String[][] {{"127.0.0.1:1?speed=9", "unknown option 'speed'"},
                {"127.0.0.1:1?io-timeout", "'io-timeout' is not KEY=VALUE"},
                {"127.0.0.1:1?io-timeout=1s&io-timeout=2s", "'io-timeout' given twice"},
                {"127.0.0.1:1?io-timeout=soon", "option 'io-timeout'"}}) {
            ConfigException e = assertThrows(ConfigException.class, () -> provider.connect(bad[0], config), bad[0]);
            assertTrue(e.getMessage().contains("tcp address '" + bad[0] + "'") && e.getMessage().contains(bad[1]),
                    e.getMessage());
        }
    }

    @Test
    void bothEndsUseNoDelayAndKeepAliveAsConfigured() throws IOException {
        for (boolean on : new boolean[] {true, false}) {
            var config = ProviderConfig.of(provider, Map.of("nodelay", Boolean.toString(on), "keepalive", Boolean.toString(on)));
            try (StreamListener listener = provider.listen("127.0.0.1:0", config);
                 StreamConnection source = provider.connect(listener.address().substring(4), config);
                 StreamConnection destination = listener.accept()) {
                for (StreamConnection end : new StreamConnection[] {source, destination}) {
                    assertEquals(on, end.option(StandardSocketOptions.TCP_NODELAY), end.peer());
                    assertEquals(on, end.option(StandardSocketOptions.SO_KEEPALIVE), end.peer());
                }
            }
        }
    }

    private static boolean hasIpv6Loopback() {
        try {
            NetworkInterface lo = NetworkInterface.getByInetAddress(InetAddress.getByName("::1"));
            return lo != null && lo.inetAddresses().anyMatch(a -> a instanceof Inet6Address && a.isLoopbackAddress());
        } catch (IOException e) {
            return false;
        }
    }
}
