package dev.tern.transport.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigException;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.RefusedConnectionException;
import dev.tern.testkit.codec.ProviderConfig;
import dev.tern.testkit.transport.TestCertificates;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a TLS connection is refused, seen from both ends, each with the message an operator
 * needs: the end that checks a certificate names the exact fault, the other end the alert it got.
 * Real sockets on loopback, certificates made by keytool at test time ({@link TestCertificates}).
 */
class TlsRefusalTest {

    private static TestCertificates pki;

    private final TlsTransportProvider tls = new TlsTransportProvider();
    private final Config defaults = ProviderConfig.defaults(tls);

    @TempDir
    Path tempDir;

    @BeforeAll
    static void certificates() throws Exception {
        pki = TestCertificates.shared();
    }

    /** What each end saw of one connection attempt; null where it succeeded. */
    record Outcome(IOException server, IOException client, String received) { }

    /** Listens with {@code serverOptions}, connects with {@code clientOptions}, sends a line. */
    private Outcome attempt(String serverOptions, String clientOptions) throws Exception {
        try (TlsListener listener = tls.listen("127.0.0.1:0" + serverOptions, defaults)) {
            String address = listener.address().substring("tls:".length());
            try (Connection client = tls.connect(address + clientOptions, defaults)) {
                IOException clientFailure = null;
                try {
                    // Waits for the handshake and the listener's admission, so a refusal shows here.
                    client.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)));
                } catch (IOException e) {
                    clientFailure = e;
                }
                IOException serverFailure = null;
                String received = null;
                try (Connection server = listener.accept()) {
                    ByteBuffer b = ByteBuffer.allocate(5);
                    while (b.hasRemaining() && server.read(b) >= 0) {
                        // until the line is in
                    }
                    received = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    serverFailure = e;
                }
                return new Outcome(serverFailure, clientFailure, received);
            }
        }
    }

    private static void assertMessage(IOException e, String... parts) {
        assertTrue(e != null, "expected a failure");
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void mutuallyAuthenticatedConnectionCarriesData() throws Exception {
        Outcome o = attempt(pki.options("node", "ca"), pki.options("client", "ca"));
        assertEquals(null, o.server());
        assertEquals("hello", o.received());
    }

    @Test
    void serverSignedByAnotherCaIsRefusedByTheClient() throws Exception {
        Outcome o = attempt(pki.options("stranger", "other-ca"), pki.options("client", "ca"));
        assertMessage(o.client(), "server's certificate 'CN=stranger'", "not signed by a trusted CA",
                "ca=" + pki.ca("ca"));
        assertMessage(o.server(), "refused", "alert");
    }

    @Test
    void clientSignedByAnotherCaIsRefusedByTheServer() throws Exception {
        Outcome o = attempt(pki.options("node", "ca"), pki.options("stranger", "ca"));
        assertMessage(o.server(), "client's certificate 'CN=stranger'", "not signed by a trusted CA");
        assertMessage(o.client(), "server refused", "alert");
        assertEquals(null, o.received());
    }

    @Test
    void clientWithoutCertificateIsRefusedUnlessVerifyPeerIsOff() throws Exception {
        Outcome o = attempt(pki.options("node", "ca"), "?ca=" + pki.ca("ca"));
        assertMessage(o.server(), "client presented no certificate");
        assertMessage(o.client(), "requires a client certificate");

        Outcome lenient = attempt(pki.options("node", "ca") + "&verify-peer=off", "?ca=" + pki.ca("ca"));
        assertEquals(null, lenient.server());
        assertEquals("hello", lenient.received());
    }

    @Test
    void expiredServerCertificateIsRefusedNamingTheDate() throws Exception {
        X509Certificate expired = PemFiles.certificates("cert", pki.cert("expired")).getFirst();
        Outcome o = attempt(pki.options("expired", "ca"), pki.options("client", "ca"));
        assertMessage(o.client(), "server's certificate 'CN=expired' expired on " + expired.getNotAfter().toInstant());
        assertMessage(o.server(), "alert");
    }

    @Test
    void expiredClientCertificateIsRefusedByTheServer() throws Exception {
        Outcome o = attempt(pki.options("node", "ca"), pki.options("expired", "ca"));
        assertMessage(o.server(), "client's certificate 'CN=expired' expired on");
        assertMessage(o.client(), "server refused");
    }

    @Test
    void serverCertificateForAnotherNameIsRefused() throws Exception {
        Outcome o = attempt(pki.options("elsewhere", "ca"), pki.options("client", "ca"));
        assertMessage(o.client(), "issued for [elsewhere.example]", "not for the expected peer name '127.0.0.1'");
        // peer-name= names the certificate's name where the address does not carry it
        Outcome named = attempt(pki.options("elsewhere", "ca"),
                pki.options("client", "ca") + "&peer-name=elsewhere.example");
        assertEquals(null, named.server());
        assertEquals("hello", named.received());
    }

    @Test
    void listenerPeerNameAdmitsOnlyThatClient() throws Exception {
        String server = pki.options("node", "ca") + "&peer-name=client.tern.test";
        Outcome wrong = attempt(server, pki.options("node", "ca"));
        assertMessage(wrong.server(), "client's certificate 'CN=node'", "not for the expected peer name 'client.tern.test'");
        Outcome right = attempt(server, pki.options("client", "ca"));
        assertEquals(null, right.server());
        assertEquals("hello", right.received());
    }

    @Test
    void pkcs12KeyStoresWorkAndAWrongPasswordIsNamed() throws Exception {
        String server = "?keystore=" + pki.keystore("node") + "&password-file=" + pki.passwordFile();
        String client = "?keystore=" + pki.keystore("client") + "&password-file=" + pki.passwordFile();
        Outcome o = attempt(server, client);
        assertEquals(null, o.server());
        assertEquals("hello", o.received());

        Path wrong = tempDir.resolve("wrong-password");
        Files.writeString(wrong, "not-the-password\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> tls.listen("127.0.0.1:0?keystore=" + pki.keystore("node") + "&password-file=" + wrong, defaults));
        assertMessage(new IOException(e.getMessage()), "keystore=" + pki.keystore("node"), "wrong password");
    }

    @Test
    void badCredentialsAreRefusedAtSetupNamingTheFile() {
        ConfigException noCert = assertThrows(ConfigException.class,
                () -> tls.listen("127.0.0.1:0?ca=" + pki.ca("ca"), defaults));
        assertTrue(noCert.getMessage().contains("needs its own certificate"), noCert.getMessage());

        ConfigException mismatch = assertThrows(ConfigException.class, () -> tls.listen("127.0.0.1:0?cert="
                + pki.cert("node") + "&key=" + pki.key("client") + "&ca=" + pki.ca("ca"), defaults));
        assertTrue(mismatch.getMessage().contains("key=" + pki.key("client")) && mismatch.getMessage()
                .contains("is not the private key"), mismatch.getMessage());

        ConfigException notPem = assertThrows(ConfigException.class, () -> tls.connect("127.0.0.1:1?ca="
                + pki.key("node"), defaults));
        assertTrue(notPem.getMessage().contains(pki.key("node").toString()), notPem.getMessage());

        ConfigException noCa = assertThrows(ConfigException.class, () -> tls.connect("127.0.0.1:1", defaults));
        assertTrue(noCa.getMessage().contains("no trusted CA"), noCa.getMessage());

        ConfigException unknown = assertThrows(ConfigException.class, () -> tls.connect("127.0.0.1:1?kye=x", defaults));
        assertTrue(unknown.getMessage().contains("unknown option 'kye'"), unknown.getMessage());

        ConfigException badValue = assertThrows(ConfigException.class,
                () -> tls.connect("127.0.0.1:1?verify-peer=maybe", defaults));
        assertTrue(badValue.getMessage().contains("verify-peer"), badValue.getMessage());
    }

    @Test
    void tls12ClientIsRefused() throws Exception {
        try (TlsListener listener = tls.listen("127.0.0.1:0" + pki.options("node", "ca"), defaults)) {
            int port = Integer.parseInt(listener.address().substring(listener.address().lastIndexOf(':') + 1));
            SSLContext old = SSLContext.getInstance("TLSv1.2");
            old.init(null, new TrustManager[] {new TrustingEverything()}, null);
            try (SSLSocket socket = (SSLSocket) old.getSocketFactory().createSocket("127.0.0.1", port)) {
                socket.setEnabledProtocols(new String[] {"TLSv1.2"});
                assertThrows(IOException.class, socket::startHandshake);
            }
            IOException e = assertThrows(RefusedConnectionException.class, listener::accept);
            assertMessage(e, "does not speak TLS 1.3");
        }
    }

    @Test
    void plainTcpPeerIsRefusedWithoutHangingTheListener() throws Exception {
        try (TlsListener listener = tls.listen("127.0.0.1:0" + pki.options("node", "ca"), defaults)) {
            int port = Integer.parseInt(listener.address().substring(listener.address().lastIndexOf(':') + 1));
            try (Socket plain = new Socket()) {
                plain.connect(new InetSocketAddress("127.0.0.1", port));
                OutputStream out = plain.getOutputStream();
                out.write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                // one peer refused, the listener fine: a server serving many peers accepts again
                IOException e = assertThrows(RefusedConnectionException.class, listener::accept);
                assertMessage(e, "tls handshake with tls:127.0.0.1:", "does not speak TLS 1.3");
            }
            // The listener still serves a proper client afterwards.
            try (Connection client = tls.connect(listener.address().substring(4) + pki.options("client", "ca"), defaults)) {
                client.write(ByteBuffer.wrap(new byte[] {7}));
                try (Connection server = listener.accept()) {
                    ByteBuffer b = ByteBuffer.allocate(1);
                    assertEquals(1, server.read(b));
                    assertEquals(7, b.get(0));
                }
            }
        }
    }

    /** The TLS 1.2 client exists only to be refused; what it trusts does not matter. */
    private static final class TrustingEverything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) { }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) { }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
