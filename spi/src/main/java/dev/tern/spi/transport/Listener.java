package dev.tern.spi.transport;

import java.io.Closeable;
import java.io.IOException;

/** Accepts incoming connections. */
public interface Listener extends Closeable {

    /** Waits for the next connection. */
    Connection accept() throws IOException;

    /** The bound address, as a URI a peer can connect to (the real port when 0 was asked for). */
    String address();
}
