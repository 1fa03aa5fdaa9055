package dev.tern.transport.shm;

import java.io.IOException;

/** The peer sent something the shm control protocol does not allow; the connection is unusable. */
public final class ProtocolException extends IOException {

    public ProtocolException(String message) {
        super(message);
    }

    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
