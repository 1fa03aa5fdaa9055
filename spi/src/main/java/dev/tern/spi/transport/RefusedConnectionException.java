package dev.tern.spi.transport;

import java.io.IOException;

/**
 * Thrown by {@link Listener#accept()} when one incoming connection failed before it could be
 * handed out — a TLS handshake with an untrusted or absent certificate, a peer that reset the
 * socket at once — while the listener itself is fine: the next {@code accept} waits for the next
 * peer. Any other {@link IOException} from {@code accept} means the listener cannot go on.
 */
public class RefusedConnectionException extends IOException {

    private static final long serialVersionUID = 1L;

    public RefusedConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
