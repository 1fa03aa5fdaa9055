package dev.tern.kernel.migration;

import dev.tern.spi.transport.Connection;

import java.io.IOException;

/**
 * Opens one more connection to a migration's destination, over the same transport and to the same
 * address as its main connection: how a {@link MigrationSource} opens its multifd channels
 * (e.g. {@code () -> uri.connect(plugins)}).
 */
@FunctionalInterface
public interface ChannelConnector {

    /** A new connection to the destination. */
    Connection connect() throws IOException;
}
