package dev.tern.testkit.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.Listener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.FutureTask;
import org.junit.jupiter.api.Test;

/**
 * The contract of bidirectional, socket-like transports on top of {@link TransportContract}: both
 * ends stream at once, half-close, and dead or silent peers are noticed within the idle timeout,
 * which such a transport declares as the {@value #IO_TIMEOUT} configuration key.
 */
public abstract class StreamTransportContract extends TransportContract {

    /** The configuration key every stream transport declares for its idle timeout. */
    public static final String IO_TIMEOUT = "io-timeout";

    /** The short idle timeout the timeout tests configure. */
    protected static final String SHORT_TIMEOUT = "300ms";

    /**
     * Ends {@code connection}'s output so its peer reads end of stream while the other direction
     * stays open (the transport's own half-close operation; not part of the SPI).
     */
    protected abstract void shutdownOutput(Connection connection) throws IOException;

    @Test
    void declaresAnIdleTimeout() {
        ConfigKey key = provider().configKeys().stream().filter(k -> k.name().equals(IO_TIMEOUT)).findFirst()
                .orElseThrow(() -> new AssertionError(provider().id() + " declares no '" + IO_TIMEOUT + "' key"));
        assertEquals(ConfigType.DURATION, key.type());
        assertFalse(key.isRequired(), "a stream transport needs a default idle timeout");
    }

    @Test
    void halfCloseLeavesTheReturnDirectionOpen() throws Exception {
        SeededStream request = new SeededStream(300_000, 5);
        SeededStream reply = new SeededStream(70_001, 6);
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            try (Listener listener = listen(); Connection source = connect(listener, config(Map.of()));
                 Connection destination = listener.accept()) {
                FutureTask<SeededStream.Digest> sender = background(() -> {
                    SeededStream.Digest d = request.writeTo(source);
                    shutdownOutput(source);
                    return d;
                });
                SeededStream.Digest got = SeededStream.readFrom(destination, Long.MAX_VALUE);
                assertEquals(join(sender), got, "everything before the half-close, then end of stream");
                SeededStream.Digest answered = reply.writeTo(destination);
                destination.close();
                assertEquals(answered, SeededStream.readFrom(source, Long.MAX_VALUE));
                assertThrows(IOException.class, () -> source.write(ByteBuffer.wrap(new byte[] {1})),
                        "writing after shutting down output");
            }
        });
    }

    @Test
    void bothDirectionsStreamAtOnce() throws Exception {
        SeededStream forth = new SeededStream(16L << 20, 21);
        SeededStream back = new SeededStream(12L << 20, 22);
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            try (Listener listener = listen(); Connection source = connect(listener, config(Map.of()));
                 Connection destination = listener.accept()) {
                // Neither side reads before it has written everything unless reads run concurrently:
                // a transport that serialises reads behind writes deadlocks here.
                FutureTask<SeededStream.Digest> sendForth = background(() -> forth.writeTo(source));
                FutureTask<SeededStream.Digest> sendBack = background(() -> back.writeTo(destination));
                FutureTask<SeededStream.Digest> readBack = background(() -> SeededStream.readFrom(source, back.length()));
                SeededStream.Digest gotForth = SeededStream.readFrom(destination, forth.length());
                assertEquals(join(sendForth), gotForth);
                assertEquals(join(sendBack), join(readBack));
            }
        });
    }

    @Test
    void silentPeerFailsAReadWithinTheIdleTimeout() throws Exception {
        Config shortTimeout = config(Map.of(IO_TIMEOUT, SHORT_TIMEOUT));
        try (Listener listener = provider().listen(listenAddress(), shortTimeout);
             Connection source = connect(listener, shortTimeout);
             Connection destination = listener.accept()) {
            IOException e = assertTimeoutPreemptively(HANG_GUARD,
                    () -> assertThrows(IOException.class, () -> destination.read(ByteBuffer.allocate(64))));
            assertTrue(e.getMessage().contains(SHORT_TIMEOUT), "the message must name the timeout: " + e.getMessage());
            assertTrue(e.getMessage().contains(destination.peer()), "the message must name the peer: " + e.getMessage());
            assertTrue(source.isOpen());
        }
    }

    @Test
    void peerThatStopsReadingFailsAWriteWithinTheIdleTimeout() throws Exception {
        Config shortTimeout = config(Map.of(IO_TIMEOUT, SHORT_TIMEOUT));
        try (Listener listener = provider().listen(listenAddress(), shortTimeout);
             Connection source = connect(listener, shortTimeout);
             Connection destination = listener.accept()) {
            IOException e = assertTimeoutPreemptively(HANG_GUARD, () -> assertThrows(IOException.class,
                    () -> new SeededStream(1L << 30, 3).writeTo(source)));
            assertTrue(e.getMessage().contains(SHORT_TIMEOUT), "the message must name the timeout: " + e.getMessage());
            assertTrue(destination.isOpen());
        }
    }

    @Test
    void closeReleasesABlockedReader() throws Exception {
        try (Listener listener = listen(); Connection source = connect(listener, config(Map.of()));
             Connection destination = listener.accept()) {
            FutureTask<Integer> reader = background(() -> destination.read(ByteBuffer.allocate(8)));
            destination.close();
            assertTimeoutPreemptively(HANG_GUARD, () -> assertThrows(IOException.class, () -> join(reader)));
            assertTrue(source.isOpen());
        }
    }

    @Test
    void closeReleasesABlockedAccept() throws Exception {
        Listener listener = listen();
        FutureTask<Connection> acceptor = background(listener::accept);
        listener.close();
        assertTimeoutPreemptively(HANG_GUARD, () -> assertThrows(IOException.class, () -> join(acceptor)));
    }

    @Test
    void peerProcessKilledMidTransferFailsTheWriter() throws Exception {
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            Config config = config(Map.of(IO_TIMEOUT, "10s"));
            try (Listener listener = provider().listen(listenAddress(), config)) {
                Process peer = startPeer(withoutScheme(listener.address()), 1 << 20);
                // If the peer dies before connecting, the accept below must not wait forever.
                peer.onExit().thenRun(() -> closeQuietly(listener));
                try (Connection destinationOfPeer = listener.accept()) {
                    IOException e = assertThrows(IOException.class,
                            () -> new SeededStream(1L << 33, 9).writeTo(destinationOfPeer));
                    assertTrue(e.getMessage() != null, "the failure must say what happened");
                } finally {
                    int status = peer.waitFor();
                    assertEquals(PeerProcess.HALTED, status, () -> "peer process failed: " + stderr());
                }
            }
        });
    }

    private Process startPeer(String address, long bytes) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(PeerProcess.class.getName());
        command.add(provider().getClass().getName());
        command.add(address);
        command.add(Long.toString(bytes));
        baseSettings().forEach((k, v) -> command.add(k + "=" + v));
        return new ProcessBuilder(command)
                .redirectError(peerLog().toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    private Path peerLog() {
        return tempDir.resolve("peer-stderr.txt");
    }

    private String stderr() {
        try {
            return Files.readString(peerLog());
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void closeQuietly(Listener listener) {
        try {
            listener.close();
        } catch (IOException ignored) {
            // The test reports the peer's exit status, which says more.
        }
    }
}
