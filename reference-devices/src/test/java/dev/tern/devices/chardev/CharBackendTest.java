package dev.tern.devices.chardev;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CharBackendTest {

    private static String collect(LinkedBlockingQueue<byte[]> q, int bytes) throws InterruptedException {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < bytes) {
            byte[] b = q.poll(10, TimeUnit.SECONDS);
            if (b == null) {
                break;
            }
            sb.append(new String(b, StandardCharsets.US_ASCII));
        }
        return sb.toString();
    }

    @Test
    @Timeout(30)
    void stdioBackendPumpsInputAndWritesOutputUnbuffered() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StdioBackend b = new StdioBackend(new ByteArrayInputStream("typed".getBytes(StandardCharsets.US_ASCII)), out,
                "test output");
        LinkedBlockingQueue<byte[]> in = new LinkedBlockingQueue<>();
        b.setReceiver(in::add);
        assertEquals("typed", collect(in, 5));
        b.write("out".getBytes(StandardCharsets.US_ASCII), 0, 3);
        b.write('!');
        assertEquals("out!", out.toString(StandardCharsets.US_ASCII));
        assertThrows(IllegalStateException.class, () -> b.setReceiver(x -> { }));
        b.close();
    }

    @Test
    void fileBackendNamesAFileItCannotOpen(@TempDir Path dir) {
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> new FileBackend(dir.resolve("missing/dir/out"), Optional.empty()));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
        FileBackend b = new FileBackend(dir.resolve("out"), Optional.of(dir.resolve("absent-input")));
        e = assertThrows(UncheckedIOException.class, () -> b.setReceiver(x -> { }));
        assertTrue(e.getMessage().contains("absent-input"), e.getMessage());
        b.close();
    }

    @Test
    void memoryBackendCapturesAndInjects() {
        MemoryBackend b = new MemoryBackend();
        assertThrows(IllegalStateException.class, () -> b.inject("x"));
        LinkedBlockingQueue<byte[]> in = new LinkedBlockingQueue<>();
        b.setReceiver(in::add);
        byte[] data = {1, 2, 3};
        b.inject(data);
        data[0] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, in.poll(), "the receiver gets its own copy");
        b.write(new byte[] {'a', 'b', 'c'}, 1, 2);
        assertEquals("bc", b.outputText());
    }

    @Test
    @Timeout(10)
    void awaitTextWakesOnTheWriteThatCompletesTheText() throws Exception {
        MemoryBackend b = new MemoryBackend();
        b.write("/ # ".getBytes(StandardCharsets.UTF_8), 0, 4);
        assertTrue(b.awaitText("/ # ", 0, 0), "text already there");
        assertEquals(false, b.awaitText("/ # ", 1, 0), "an earlier match does not count after 'from'");
        Thread writer = Thread.ofPlatform().start(() -> {
            b.write("ok\r\n/".getBytes(StandardCharsets.UTF_8), 0, 5);
            b.write(" # ".getBytes(StandardCharsets.UTF_8), 0, 3);
        });
        assertTrue(b.awaitText("/ # ", 4, 60_000), "woken by the writer");
        writer.join();
        assertEquals("/ # ok\r\n/ # ", b.outputText());
    }

    @Test
    @Timeout(30)
    void socketBackendAcceptsTheNextClientAfterADisconnect() throws Exception {
        try (SocketBackend b = new SocketBackend("127.0.0.1", 0)) {
            LinkedBlockingQueue<byte[]> in = new LinkedBlockingQueue<>();
            b.setReceiver(in::add);
            b.write('-');
            for (String word : new String[] {"one", "two"}) {
                try (Socket c = new Socket(InetAddress.getLoopbackAddress(), b.localPort())) {
                    c.getOutputStream().write(word.getBytes(StandardCharsets.US_ASCII));
                    assertEquals(word, collect(in, 3));
                    assertTrue(b.connected());
                    b.write('k');
                    assertEquals('k', c.getInputStream().read(), "output reaches the current client only");
                }
            }
        }
    }

    @Test
    void fileBackendWritesPositionedOutputOnceInAFileItSharesAndAppendsInItsOwn(@TempDir Path dir) throws Exception {
        Path shared = dir.resolve("shared.log");
        FileBackend primary = new FileBackend(shared, Optional.empty());
        FileBackend standby = new FileBackend(shared, Optional.empty()); // opened first in real life: empty
        primary.writeAt(0, bytes("1\n2\n"));
        primary.writeAt(4, bytes("3\n"));
        // the primary died after delivering "3\n"; the new primary delivers it again at its position
        standby.writeAt(4, bytes("3\n"));
        standby.writeAt(6, bytes("4\n"));
        primary.close();
        standby.close();
        assertEquals("1\n2\n3\n4\n", java.nio.file.Files.readString(shared));

        Path own = dir.resolve("own.log");
        FileBackend alone = new FileBackend(own, Optional.empty());
        alone.writeAt(4, bytes("3\n"));
        alone.writeAt(6, bytes("4\n"));
        alone.write(bytes("!"), 0, 1);
        alone.close();
        assertEquals("3\n4\n!", java.nio.file.Files.readString(own), "a file of its own starts where its output starts");
    }

    @Test
    void aFileThatCannotTakeAWriteSaysSoNamingTheFileAndWritesNothingMore(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.log");
        FileBackend b = new FileBackend(out, Optional.empty());
        var sink = new BackendSink(b);
        sink.deliver(0, bytes("ab"));
        assertEquals(Optional.empty(), sink.failure());
        b.close(); // the channel is gone: the next write fails as a full disk's does
        sink.deliver(2, bytes("cd"));
        String failure = sink.failure().orElseThrow();
        assertTrue(failure.startsWith("cannot write serial output file " + out + " at byte 2: "), failure);
        sink.deliver(4, bytes("ef"));
        assertEquals(failure, sink.failure().orElseThrow(), "the first failure stays the one named");
        assertEquals("ab", java.nio.file.Files.readString(out));
        assertEquals(Optional.empty(), new MemoryBackend().failure(), "a backend that cannot fail never says so");
    }

    @Test
    @Timeout(30)
    void stdioWhoseReaderExitedSaysSoNamingTheStreamAndTheOsErrorAndWritesNothingMore() throws Exception {
        // a real OS pipe whose reading end is closed: the write fails with EPIPE, as `tern run | head` does
        java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
        var out = java.nio.channels.Channels.newOutputStream(pipe.sink());
        StdioBackend b = new StdioBackend(new ByteArrayInputStream(new byte[0]), out, "standard output");
        var sink = new BackendSink(b);
        sink.deliver(0, bytes("ab"));
        assertEquals(Optional.empty(), sink.failure());
        java.nio.ByteBuffer got = java.nio.ByteBuffer.allocate(2);
        while (got.hasRemaining()) {
            pipe.source().read(got);
        }
        assertEquals("ab", new String(got.array(), StandardCharsets.US_ASCII));
        pipe.source().close();
        sink.deliver(2, bytes("cd"));
        String failure = sink.failure().orElseThrow();
        assertEquals("cannot write serial output to standard output after byte 2: Broken pipe", failure);
        sink.deliver(4, bytes("ef"));
        assertEquals(failure, sink.failure().orElseThrow(), "the first failure stays the one named");
        b.close();
    }

    @Test
    @Timeout(30)
    void aSocketConsoleWhoseClientLeftDiscardsUntilTheNextClientAndNeverFails() throws Exception {
        try (SocketBackend b = new SocketBackend("127.0.0.1", 0)) {
            LinkedBlockingQueue<byte[]> in = new LinkedBlockingQueue<>();
            b.setReceiver(in::add);
            b.write(bytes("before"), 0, 6);
            assertEquals(6, b.discardedBytes(), "no client yet: discarded, counted");
            Socket first = new Socket(InetAddress.getLoopbackAddress(), b.localPort());
            first.getOutputStream().write(bytes("one"));
            assertEquals("one", collect(in, 3));
            first.setSoLinger(true, 0); // a reset, so that a write may meet ECONNRESET/EPIPE
            first.close();
            for (int i = 0; i < 64; i++) {
                b.write(bytes("lost in between "), 0, 16); // under the close or after it
                assertEquals(Optional.empty(), b.failure(), "a client going away is a disconnect, not a failure");
            }
            try (Socket next = new Socket(InetAddress.getLoopbackAddress(), b.localPort())) {
                next.getOutputStream().write(bytes("two"));
                assertEquals("two", collect(in, 3), "the next client is served");
                b.write('k');
                assertEquals('k', next.getInputStream().read(), "it gets output from its connection on");
            }
            assertTrue(b.discardedBytes() >= 6, "count " + b.discardedBytes());
        }
    }

    @Test
    @Timeout(60)
    void aSocketClientThatDoesNotReadNeverHoldsTheWriterAndWhatItMissedIsCounted() throws Exception {
        try (SocketBackend b = new SocketBackend("127.0.0.1", 0);
                Socket idle = new Socket(InetAddress.getLoopbackAddress(), b.localPort())) {
            LinkedBlockingQueue<byte[]> in = new LinkedBlockingQueue<>();
            b.setReceiver(in::add);
            idle.getOutputStream().write(bytes("hi"));
            assertEquals("hi", collect(in, 2)); // connected: output now goes to this client
            byte[] chunk = new byte[4096];
            long total = 0;
            // far more than the queue and both sockets' buffers hold: a blocking send would hang here
            while (b.discardedBytes() == 0) {
                b.write(chunk, 0, chunk.length);
                total += chunk.length;
                assertTrue(total <= 256L << 20, "nothing was discarded after " + total + " bytes to a client that reads nothing");
            }
            assertTrue(b.connected(), "a slow client stays connected");
            assertEquals(Optional.empty(), b.failure());
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
