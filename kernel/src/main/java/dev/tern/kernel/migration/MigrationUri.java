package dev.tern.kernel.migration;

import dev.tern.kernel.config.ValidatedConfig;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.Listener;
import dev.tern.spi.transport.TransportProvider;

import java.io.IOException;
import java.util.Map;

/**
 * A migration address, {@code SCHEME:ADDRESS} ({@code tcp:127.0.0.1:4444}, {@code unix:/run/m.sock},
 * {@code file:/tmp/vm.mig}), resolved to the transport plugin of that scheme.
 *
 * @param scheme the transport id
 * @param address what the transport parses
 */
public record MigrationUri(String scheme, String address) {

    /** Parses {@code text}; the scheme is everything before the first colon. */
    public static MigrationUri parse(String text) {
        int colon = text == null ? -1 : text.indexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("migration URI '" + text + "' is not SCHEME:ADDRESS (e.g. tcp:HOST:PORT)");
        }
        return new MigrationUri(text.substring(0, colon), text.substring(colon + 1));
    }

    /** Opens an outgoing connection through the transport plugin. */
    public Connection connect(PluginRegistry plugins) throws IOException {
        TransportProvider t = plugins.require(TransportProvider.class, scheme);
        return t.connect(address, ValidatedConfig.of(scheme, t.configKeys(), Map.of()));
    }

    /** Starts listening through the transport plugin. */
    public Listener listen(PluginRegistry plugins) throws IOException {
        TransportProvider t = plugins.require(TransportProvider.class, scheme);
        return t.listen(address, ValidatedConfig.of(scheme, t.configKeys(), Map.of()));
    }

    @Override
    public String toString() {
        return scheme + ":" + address;
    }
}
