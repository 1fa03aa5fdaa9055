package dev.tern.spi.transport;

import java.io.IOException;
import java.nio.channels.ByteChannel;
import java.util.Optional;

/**
 * A bidirectional (or, for files, one-way) byte channel between two VMM processes. Blocking.
 * Implementations detect dead peers: reads and writes fail with an {@link IOException} after the
 * configured timeout rather than block forever.
 */
public interface Connection extends ByteChannel {

    /** Describes the peer for messages (e.g. {@code "tcp:127.0.0.1:4444"}). */
    String peer();

    /**
     * A channel in the opposite direction, for transports whose main channel is one-way
     * (post-copy page requests, acknowledgements). Empty when {@link #isBidirectional()}.
     */
    default Optional<Connection> returnPath() {
        return Optional.empty();
    }

    /** Whether the destination can answer on this same connection. */
    default boolean isBidirectional() {
        return true;
    }

    /**
     * Ends a stream that will not be completed (a failed or cancelled migration or snapshot) so
     * that nobody takes what was written for a whole stream: a file transport removes its partial
     * file and leaves whatever the path held before. {@link #close()} after a complete stream
     * commits it. Idempotent, and a no-op after {@link #close()}. The default closes: a peer on a
     * socket sees the stream end early and refuses it on its own.
     *
     * @throws IOException when releasing the connection failed
     * @since SPI 1.5
     */
    default void abort() throws IOException {
        close();
    }
}
