package dev.tern.testkit.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.Listener;
import dev.tern.spi.transport.TransportProvider;
import dev.tern.testkit.codec.ProviderConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every migration transport owes the code that streams over it. A transport's test extends
 * this class (or {@link StreamTransportContract} for bidirectional socket-like transports) and
 * supplies the provider and addresses. Everything runs on real sockets on loopback or real files
 * in a temporary directory.
 *
 * <p>One-way transports ({@link Connection#isBidirectional()} false, e.g. files) are exercised the
 * way they are used: the source writes and closes, then the destination accepts and reads.
 */
public abstract class TransportContract {

    /** Bytes of the large transfer: more than any socket buffer or page cache batch. */
    protected static final long LARGE = 64L << 20;

    /** A bound on operations that must fail fast; generous, it only tells a hang from a failure. */
    protected static final Duration HANG_GUARD = Duration.ofSeconds(60);

    /** A fresh directory per test for socket files, files and shared memory. */
    @TempDir
    protected Path tempDir;

    /** The transport under test. */
    protected abstract TransportProvider provider();

    /** A fresh address (without scheme) to listen on, e.g. {@code 127.0.0.1:0} or a path in {@link #tempDir}. */
    protected abstract String listenAddress();

    /** An address (without scheme) where nothing can be reached: connecting must fail promptly. */
    protected abstract String unreachableAddress();

    /** An address (without scheme) that is malformed: connect and listen must refuse it by name. */
    protected abstract String malformedAddress();

    /** Settings every test's configuration starts from (e.g. a directory); none by default. */
    protected Map<String, String> baseSettings() {
        return Map.of();
    }

    /** The configuration: {@link #baseSettings()} overridden by {@code extra}, validated as the kernel would. */
    protected final Config config(Map<String, String> extra) {
        Map<String, String> all = new HashMap<>(baseSettings());
        all.putAll(extra);
        return ProviderConfig.of(provider(), all);
    }

    /** Listens at a fresh address with the base configuration. */
    protected final Listener listen() throws IOException {
        return provider().listen(listenAddress(), config(Map.of()));
    }

    /** Connects to what {@code listener} reports, the way an operator pastes it. */
    protected final Connection connect(Listener listener, Config config) throws IOException {
        return provider().connect(connectAddress(listener), config);
    }

    /**
     * The address (without scheme) a source uses to reach {@code listener}: the listener's own
     * address for every transport whose two ends share one. {@code exec} overrides it, its two
     * ends being different commands (one writes the stream where the other reads it).
     */
    protected String connectAddress(Listener listener) {
        return withoutScheme(listener.address());
    }

    /** Strips {@code scheme:} from a listener address, asserting it is there. */
    protected final String withoutScheme(String uri) {
        String prefix = provider().scheme() + ":";
        assertTrue(uri.startsWith(prefix), () -> "listener address '" + uri + "' must start with '" + prefix + "'");
        return uri.substring(prefix.length());
    }

    @Test
    void providerIsFoundByServiceLoaderUnderItsScheme() {
        Set<String> ids = new HashSet<>();
        boolean found = false;
        for (TransportProvider p : ServiceLoader.load(TransportProvider.class)) {
            assertTrue(ids.add(p.id()), () -> "two transports claim id '" + p.id() + "'");
            found |= p.getClass() == provider().getClass();
        }
        assertTrue(found, provider().getClass() + " is not registered in META-INF/services");
        assertEquals(provider().id(), provider().scheme());
        assertTrue(provider().id().matches("[a-z0-9][a-z0-9-]*"), "id " + provider().id());
        assertTrue(provider().availability().available(), provider().availability().reason());
    }

    @Test
    void configKeysAreDeclaredAsDataAndDefaultsParse() {
        List<ConfigKey> keys = provider().configKeys();
        Set<String> names = new HashSet<>();
        for (ConfigKey key : keys) {
            assertTrue(names.add(key.name()), "config key declared twice: " + key.name());
            assertFalse(key.doc().isBlank(), "config key without documentation: " + key.name());
        }
        Config defaults = ProviderConfig.of(provider(), baseSettings());
        for (ConfigKey key : keys) {
            if (!key.isRequired() && !baseSettings().containsKey(key.name())) {
                assertEquals(key.type().parse(key.defaultValue()), defaults.value(key.name()).orElseThrow());
            }
        }
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> config(Map.of("no-such-key", "1")));
        assertTrue(unknown.getMessage().contains("no-such-key"), unknown.getMessage());
    }

    @Test
    void exchangesDataBetweenTheEnds() throws Exception {
        byte[] hello = "hello, destination".getBytes(StandardCharsets.UTF_8);
        byte[] answer = "ack from destination".getBytes(StandardCharsets.UTF_8);
        try (Listener listener = listen(); Connection source = connect(listener, config(Map.of()))) {
            if (source.isBidirectional()) {
                try (Connection destination = listener.accept()) {
                    writeFully(source, hello);
                    assertEquals(new String(hello, StandardCharsets.UTF_8), readString(destination, hello.length));
                    writeFully(destination, answer);
                    assertEquals(new String(answer, StandardCharsets.UTF_8), readString(source, answer.length));
                    assertTrue(destination.isBidirectional());
                }
            } else {
                writeFully(source, hello);
                assertThrows(IOException.class, () -> source.read(ByteBuffer.allocate(4)), "the writing end is not readable");
                source.close();
                try (Connection destination = listener.accept()) {
                    assertEquals(new String(hello, StandardCharsets.UTF_8), readString(destination, hello.length));
                    assertThrows(IOException.class, () -> destination.write(ByteBuffer.wrap(answer)),
                            "the reading end of a one-way transport is not writable");
                }
            }
        }
    }

    @Test
    void largeTransferArrivesIntact() throws Exception {
        SeededStream stream = new SeededStream(LARGE, 0x7e2d);
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            try (Listener listener = listen(); Connection source = connect(listener, config(Map.of()))) {
                SeededStream.Digest sent;
                SeededStream.Digest received;
                if (source.isBidirectional()) {
                    try (Connection destination = listener.accept()) {
                        FutureTask<SeededStream.Digest> writer = background(() -> {
                            SeededStream.Digest d = stream.writeTo(source);
                            source.close();
                            return d;
                        });
                        received = SeededStream.readFrom(destination, Long.MAX_VALUE);
                        sent = join(writer);
                    }
                } else {
                    sent = stream.writeTo(source);
                    source.close();
                    try (Connection destination = listener.accept()) {
                        received = SeededStream.readFrom(destination, Long.MAX_VALUE);
                    }
                }
                assertEquals(LARGE, sent.bytes());
                assertEquals(sent, received, "bytes or checksum differ after " + LARGE + " bytes");
            }
        });
    }

    @Test
    void endOfStreamFollowsEverythingSentBeforeClose() throws Exception {
        SeededStream stream = new SeededStream(100_003, 11);
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            try (Listener listener = listen(); Connection source = connect(listener, config(Map.of()))) {
                Connection destination = source.isBidirectional() ? listener.accept() : null;
                SeededStream.Digest sent = stream.writeTo(source);
                source.close();
                if (destination == null) {
                    destination = listener.accept();
                }
                try (Connection d = destination) {
                    assertEquals(sent, SeededStream.readFrom(d, Long.MAX_VALUE));
                    assertEquals(-1, d.read(ByteBuffer.allocate(16)), "end of stream is sticky");
                    assertEquals(-1, d.read(ByteBuffer.allocateDirect(1)), "end of stream is sticky");
                }
            }
        });
    }

    @Test
    void listenerAddressIsReusableByConnect() throws Exception {
        try (Listener listener = listen()) {
            String address = connectAddress(listener);
            assertFalse(address.isBlank());
            assertTimeoutPreemptively(HANG_GUARD, () -> {
                try (Connection source = provider().connect(address, config(Map.of()))) {
                    assertTrue(source.isOpen());
                    assertFalse(source.peer().isBlank());
                    writeFully(source, new byte[] {42});
                    if (!source.isBidirectional()) {
                        source.close();
                    }
                    try (Connection destination = listener.accept()) {
                        assertEquals("*", readString(destination, 1));
                    }
                }
            });
        }
    }

    @Test
    void connectingToNothingFailsPromptly() {
        assertTimeoutPreemptively(HANG_GUARD, () -> {
            IOException e = assertThrows(IOException.class,
                    () -> provider().connect(unreachableAddress(), config(Map.of())).close());
            assertTrue(e.getMessage() != null && e.getMessage().contains(unreachableAddress()),
                    "the message must name the address: " + e.getMessage());
        });
    }

    @Test
    void malformedAddressIsRefusedByName() {
        String bad = malformedAddress();
        ConfigException c = assertThrows(ConfigException.class, () -> provider().connect(bad, config(Map.of())).close());
        assertTrue(c.getMessage().contains(bad), c.getMessage());
        ConfigException l = assertThrows(ConfigException.class, () -> provider().listen(bad, config(Map.of())).close());
        assertTrue(l.getMessage().contains(bad), l.getMessage());
    }

    @Test
    void closeIsIdempotentAndFinal() throws Exception {
        Listener listener = listen();
        Connection source = connect(listener, config(Map.of()));
        writeFully(source, new byte[] {1, 2, 3});
        if (!source.isBidirectional()) {
            source.close();
        }
        Connection destination = listener.accept();
        for (int i = 0; i < 2; i++) {
            source.close();
            destination.close();
            listener.close();
        }
        assertFalse(source.isOpen());
        assertFalse(destination.isOpen());
        assertThrows(ClosedChannelException.class, () -> source.write(ByteBuffer.wrap(new byte[] {4})));
        assertThrows(ClosedChannelException.class, () -> destination.read(ByteBuffer.allocate(4)));
        assertThrows(IOException.class, listener::accept, "accept on a closed listener");
    }

    /** Writes all of {@code bytes}. */
    protected static void writeFully(Connection c, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    /** Reads exactly {@code length} bytes as UTF-8; end of stream first is a failure. */
    protected static String readString(Connection c, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new IOException("end of stream after " + b.position() + " of " + length + " bytes from " + c.peer());
            }
        }
        return new String(b.array(), StandardCharsets.UTF_8);
    }

    /** Runs {@code task} on a new thread. */
    protected static <T> FutureTask<T> background(Callable<T> task) {
        FutureTask<T> future = new FutureTask<>(task);
        Thread thread = new Thread(future, "transport-contract");
        thread.setDaemon(true);
        thread.start();
        return future;
    }

    /** Waits for {@code task}, rethrowing what it threw. */
    protected static <T> T join(FutureTask<T> task) throws Exception {
        try {
            return task.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }
}
