package dev.tern.transport.tls;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.transport.TransportProvider;
import dev.tern.transport.tcp.TcpTransportProvider;

import java.io.IOException;
import java.util.List;

/**
 * The {@code tls} transport: TLS 1.3 over TCP, {@code tls:HOST:PORT[?KEY=VALUE&...]} with the
 * credentials named by options or configuration ({@link TlsSettings}). Both ends authenticate by
 * default: the client checks the server's certificate against its CAs and the host it dialled,
 * the listener demands a client certificate its CAs signed.
 */
public final class TlsTransportProvider implements TransportProvider {

    @Override
    public String id() {
        return "tls";
    }

    @Override
    public String description() {
        return "TLS 1.3 over TCP (tls:HOST:PORT?cert=F&key=F&ca=F), mutual authentication, peer-name check";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return TlsSettings.KEYS;
    }

    @Override
    public TlsConnection connect(String address, Config config) throws IOException {
        TlsSettings settings = TlsSettings.from(address, config);
        TlsCredentials credentials = TlsCredentials.load(settings, false);
        return TlsConnection.client(TcpTransportProvider.connect(settings.address(), settings.tcp(), id()),
                credentials.engine(true));
    }

    @Override
    public TlsListener listen(String address, Config config) throws IOException {
        TlsSettings settings = TlsSettings.from(address, config);
        TlsCredentials credentials = TlsCredentials.load(settings, true);
        return new TlsListener(TcpTransportProvider.listen(settings.address(), settings.tcp(), id()), credentials);
    }
}
