package dev.tern.spi.transport;

import dev.tern.spi.Config;
import dev.tern.spi.Provider;

import java.io.IOException;

/** Supplies a transport for one URI scheme. */
public interface TransportProvider extends Provider {

    /** The URI scheme handled, e.g. {@code "tcp"}; by convention equal to {@link #id()}. */
    default String scheme() {
        return id();
    }

    /** Opens an outgoing connection to {@code address} (the URI without its scheme). */
    Connection connect(String address, Config config) throws IOException;

    /** Starts accepting connections at {@code address} (the URI without its scheme). */
    Listener listen(String address, Config config) throws IOException;
}
