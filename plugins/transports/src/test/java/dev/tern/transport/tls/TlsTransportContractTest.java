package dev.tern.transport.tls;

import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.TransportProvider;
import dev.tern.testkit.transport.StreamTransportContract;
import dev.tern.testkit.transport.TestCertificates;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

class TlsTransportContractTest extends StreamTransportContract {

    @Override
    protected TransportProvider provider() {
        return new TlsTransportProvider();
    }

    @Override
    protected Map<String, String> baseSettings() {
        try {
            TestCertificates pki = TestCertificates.shared();
            return Map.of(TlsSettings.CERT, pki.cert("node").toString(), TlsSettings.KEY, pki.key("node").toString(),
                    TlsSettings.CA, pki.ca("ca").toString());
        } catch (Exception e) {
            throw new UncheckedIOException(new IOException("cannot make the test certificates", e));
        }
    }

    @Override
    protected String listenAddress() {
        return "127.0.0.1:0";
    }

    @Override
    protected String unreachableAddress() {
        return "127.0.0.1:1";
    }

    @Override
    protected String malformedAddress() {
        return "127.0.0.1:notaport";
    }

    @Override
    protected void shutdownOutput(Connection connection) throws IOException {
        ((TlsConnection) connection).shutdownOutput();
    }
}
