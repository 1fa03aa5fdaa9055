package dev.tern.spi.transport;

import java.io.Closeable;
import java.io.IOException;

/** Accepts incoming connections. */
public interface Listener extends Closeable {

    /**
     * Waits for the next connection.
     *
     * @throws RefusedConnectionException one peer was refused (e.g. its TLS handshake failed); the
     *         listener goes on, and a server that serves more than one peer calls accept again
     * @throws IOException the listener is closed or broken
     */
    Connection accept() throws IOException;

    /** The bound address, as a URI a peer can connect to (the real port when 0 was asked for). */
    String address();
}
