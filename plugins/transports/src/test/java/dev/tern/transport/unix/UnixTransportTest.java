package dev.tern.transport.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.testkit.codec.ProviderConfig;
import dev.tern.transport.channel.StreamConnection;
import dev.tern.transport.channel.StreamListener;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixTransportTest {

    @TempDir
    Path dir;

    private final UnixTransportProvider provider = new UnixTransportProvider();

    @Test
    void closingTheListenerDeletesItsSocketFile() throws IOException {
        Path socket = dir.resolve("a.sock");
        StreamListener listener = provider.listen(socket.toString(), ProviderConfig.defaults(provider));
        assertTrue(Files.exists(socket));
        assertEquals("unix:" + socket, listener.address());
        listener.close();
        assertFalse(Files.exists(socket));
    }

    @Test
    void aStaleSocketFileIsReplaced() throws IOException {
        Path socket = dir.resolve("stale.sock");
        // A server socket closed without removing its file is what a crashed listener leaves behind.
        try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            crashed.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket));
        try (StreamListener listener = provider.listen(socket.toString(), ProviderConfig.defaults(provider));
             StreamConnection source = provider.connect(socket.toString(), ProviderConfig.defaults(provider));
             StreamConnection destination = listener.accept()) {
            source.write(ByteBuffer.wrap(new byte[] {9}));
            ByteBuffer b = ByteBuffer.allocate(1);
            assertEquals(1, destination.read(b));
            assertEquals(9, b.get(0));
        }
    }

    @Test
    void aLiveListenerIsNotStolen() throws IOException {
        Path socket = dir.resolve("live.sock");
        try (StreamListener first = provider.listen(socket.toString(), ProviderConfig.defaults(provider))) {
            IOException e = assertThrows(IOException.class,
                    () -> provider.listen(socket.toString(), ProviderConfig.defaults(provider)));
            assertTrue(e.getMessage().contains("another process is listening"), e.getMessage());
            assertTrue(Files.exists(socket));
            // The probe that found the live listener arrives as a connection that ends at once.
            try (StreamConnection probe = first.accept()) {
                assertEquals(-1, probe.read(ByteBuffer.allocate(1)));
            }
        }
    }

    @Test
    void aLiveListenerWithAFullAcceptQueueIsNotStolenNorWaitedFor() throws IOException {
        Path socket = dir.resolve("busy.sock");
        try (ServerSocketChannel busy = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            busy.bind(UnixDomainSocketAddress.of(socket), 1);
            try (var a = java.nio.channels.SocketChannel.open(UnixDomainSocketAddress.of(socket));
                 var b = java.nio.channels.SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                IOException e = assertThrows(IOException.class,
                        () -> provider.listen(socket.toString(), ProviderConfig.defaults(provider)));
                assertTrue(e.getMessage().contains("another process is listening"), e.getMessage());
                assertTrue(Files.exists(socket));
                assertTrue(a.isConnected() && b.isConnected());
            }
        }
    }

    @Test
    void aRegularFileIsNeverDeleted() throws IOException {
        Path file = Files.writeString(dir.resolve("precious.txt"), "keep me");
        IOException e = assertThrows(IOException.class,
                () -> provider.listen(file.toString(), ProviderConfig.defaults(provider)));
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        assertEquals("keep me", Files.readString(file));
    }
}
