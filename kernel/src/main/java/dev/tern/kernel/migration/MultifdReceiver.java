package dev.tern.kernel.migration;

import dev.tern.kernel.ram.RamReceiver;
import dev.tern.kernel.ram.RamRecord;
import dev.tern.kernel.state.ConfigHeader;
import dev.tern.kernel.state.Frame;
import dev.tern.kernel.state.FrameKind;
import dev.tern.kernel.state.SavedStateException;
import dev.tern.kernel.state.SavedStateReader;
import dev.tern.spi.codec.PageDecoder;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.Listener;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The destination's multifd channels (docs/protocols/multifd.md): after the main connection's
 * {@link WireMessage#MULTIFD} it makes guest RAM zero once, accepts the channel connections on the
 * migration's listener — each must open with a hello naming the migration's id and a free channel
 * index ({@link MultifdSession}) and is answered with the same {@link WireMessage#CHANNEL}; anything
 * else is refused with {@link WireMessage#REFUSED} and closed, without harm to the migration — and receives each channel's RAM stream on its own thread.
 * Channels own disjoint pages, so their receivers write guest RAM without racing.
 *
 * <p>{@link #await} returns once every channel's stream has reached its end (the switch-over's
 * last pages applied); only then may the device state be loaded. A channel that fails records the
 * first error, tells the source (REFUSED on the main connection, best effort) and closes every
 * connection, the main one included, so the main thread's read ends at once.
 */
final class MultifdReceiver implements AutoCloseable {

    /** How long the channels may take to connect after the announcement. */
    static final Duration CHANNEL_WAIT = Duration.ofSeconds(30);

    /** Checks a channel stream's configuration against this machine's. */
    @FunctionalInterface
    interface ConfigCheck {
        void check(ConfigHeader got) throws SavedStateException;
    }

    private final MultifdSession session;
    private final Connection main;
    private final Connection[] connections;
    private final WireInput[] inputs;
    private final List<Thread> receivers = new ArrayList<>();
    private final List<String> refused = new CopyOnWriteArrayList<>();
    private final AtomicReference<String> failure = new AtomicReference<>();
    private volatile boolean closed;

    private MultifdReceiver(MultifdSession session, Connection main) {
        this.session = session;
        this.main = main;
        this.connections = new Connection[session.channels()];
        this.inputs = new WireInput[session.channels()];
    }

    /**
     * Reads the main connection's first message: when it announces multifd, accepts the channels on
     * {@code listener} and starts receiving them; otherwise returns null (and the stream data read
     * stays in {@code in}). The listener is closed either way once no channel can come any more.
     * Unless {@code ramZero} says the RAM is zero already, it is cleared before any channel starts.
     */
    static MultifdReceiver acceptIfAnnounced(WireInput in, Connection main, Listener listener, GuestMemory memory,
            boolean ramZero, Function<String, Optional<PageDecoder>> decoders, ConfigCheck config) throws IOException {
        String announced;
        try {
            announced = in.optional(WireMessage.MULTIFD);
        } catch (IOException | RuntimeException e) {
            closeQuietly(listener);
            throw e;
        }
        if (announced == null) {
            closeQuietly(listener);
            return null;
        }
        MultifdSession session;
        try {
            session = MultifdSession.parse(announced);
            if (listener == null) {
                throw new IOException("multifd: the source announces " + session.channels() + " channels, but this"
                        + " destination has no listener to accept them on");
            }
        } catch (IOException e) {
            closeQuietly(listener);
            throw e;
        }
        var receiver = new MultifdReceiver(session, main);
        try {
            receiver.acceptChannels(listener);
            // Once, before any channel applies a page (channel streams' layout records do not clear);
            // after the channels' echoes, so the source's setup goes on meanwhile.
            if (!ramZero) {
                RamReceiver.makeZero(memory);
            }
            receiver.startReceivers(memory, decoders, config);
        } catch (IOException | RuntimeException e) {
            receiver.close();
            throw e;
        }
        return receiver;
    }

    private void acceptChannels(Listener listener) throws IOException {
        var arrived = new CountDownLatch(connections.length);
        Thread acceptor = Thread.ofPlatform().daemon().name("tern-multifd-accept").start(() -> {
            while (!closed) {
                Connection c;
                try {
                    c = listener.accept();
                } catch (dev.tern.spi.transport.RefusedConnectionException e) {
                    refused.add(e.getMessage()); // one peer failed (a TLS handshake): the real channels may follow
                    continue;
                } catch (IOException | RuntimeException e) {
                    return; // the listener was closed: every channel is in, or the wait is over
                }
                // each hello on its own thread: a silent stray must not hold up the real channels
                Thread.ofPlatform().daemon().name("tern-multifd-hello").start(() -> hello(c, arrived));
            }
        });
        try {
            if (!arrived.await(CHANNEL_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException("multifd: " + (connections.length - arrived.getCount()) + " of "
                        + connections.length + " channels connected within " + CHANNEL_WAIT.toSeconds() + " s"
                        + (refused.isEmpty() ? "" : "; refused: " + refused));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("multifd: interrupted while waiting for the channels", e);
        } finally {
            closeQuietly(listener);
            acceptor.interrupt();
        }
    }

    /** Reads a connection's hello and takes it as that channel, or refuses it. */
    private void hello(Connection c, CountDownLatch arrived) {
        try {
            WireInput in = new WireInput(c);
            int index = session.channelOf(in.expect(WireMessage.CHANNEL));
            synchronized (connections) {
                if (closed) {
                    throw new IOException("the migration no longer takes channels");
                }
                if (connections[index] != null) {
                    throw new IOException("channel " + index + " is already connected");
                }
                connections[index] = c;
                inputs[index] = in;
            }
            // the echo tells the source the channel was taken (a refusal would name why not)
            new WireOutput(c).control(WireMessage.CHANNEL, session.hello(index));
            arrived.countDown();
        } catch (IOException | RuntimeException e) {
            String why = "multifd: refused a channel connection from " + c.peer() + ": " + e.getMessage();
            refused.add(why);
            try {
                new WireOutput(c).control(WireMessage.REFUSED, why);
            } catch (IOException | RuntimeException ignored) {
                // the stray is gone: nobody to tell
            }
            closeQuietly(c);
        }
    }

    private void startReceivers(GuestMemory memory, Function<String, Optional<PageDecoder>> decoders,
            ConfigCheck config) {
        for (int i = 0; i < connections.length; i++) {
            int index = i;
            receivers.add(Thread.ofPlatform().daemon().name("tern-multifd-recv-" + i).start(() -> {
                RamReceiver ram = RamReceiver.channel(memory, decoders);
                try {
                    receiveStream(inputs[index], ram, config);
                } catch (IOException | RuntimeException e) {
                    fail(index, e);
                } finally {
                    ram.close();
                }
            }));
        }
    }

    /** Reads one channel's RAM stream to its end, applying every part. */
    private static void receiveStream(WireInput in, RamReceiver ram, ConfigCheck config) throws IOException {
        SavedStateReader reader = new SavedStateReader(in);
        config.check(reader.config());
        boolean started = false;
        boolean ended = false;
        for (Frame f = reader.next(); !(f instanceof Frame.Eof); f = reader.next()) {
            switch (f) {
                case Frame.Open o when o.kind() == FrameKind.START && o.name().equals("ram") -> {
                    if (o.version() != RamRecord.VERSION) {
                        throw new SavedStateException("the RAM stream is version " + o.version() + ", this VMM"
                                + " migrates version " + RamRecord.VERSION, o.offset());
                    }
                    started = true;
                    MigrationDestination.receivePart(ram, o.payload(), o.payloadOffset());
                }
                case Frame.Part p -> {
                    MigrationDestination.receivePart(ram, p.payload(), p.payloadOffset());
                    ended |= p.kind() == FrameKind.END;
                }
                case Frame.Open o -> throw new SavedStateException("the channel's RAM stream holds unexpected "
                        + o.kind() + " section '" + o.name() + "'", o.offset());
                case Frame.Eof e -> throw new IllegalStateException("unreachable");
            }
        }
        if (!started || !ended) {
            throw new SavedStateException("the channel's RAM stream ended without its "
                    + (started ? "final (END) part" : "'ram' section"), reader.position());
        }
    }

    private void fail(int index, Exception e) {
        String why = "multifd channel " + index + " of " + connections.length + ": " + e.getMessage();
        if (!failure.compareAndSet(null, why) || closed) {
            return;
        }
        try {
            new WireOutput(main).control(WireMessage.REFUSED, why);
        } catch (IOException | RuntimeException ignored) {
            // the source is gone: nobody to tell
        }
        closeQuietly(main); // ends the main thread's read at once
        close();
    }

    /** The first channel's error, or null. */
    String failure() {
        return failure.get();
    }

    /**
     * Waits until every channel's stream reached its end; {@code announcedOnMain} says whether the
     * main RAM stream carried its {@link RamRecord#MULTIFD} record, as it must.
     */
    void await(boolean announcedOnMain) throws IOException, InterruptedException {
        if (!announcedOnMain) {
            throw new IOException("multifd: the main RAM stream does not say that its pages travel on the channels");
        }
        for (Thread t : receivers) {
            t.join(); // each read is bounded by the transport's io-timeout
        }
        String why = failure.get();
        if (why != null) {
            throw new IOException(why);
        }
    }

    /** Checks that a main RAM stream without a multifd announcement did not announce multifd in it either. */
    static void requireNotAnnounced(RamReceiver main) throws IOException {
        if (main.multifdAnnounced()) {
            throw new IOException("multifd: the main RAM stream says its pages travel on channels, but no channel was"
                    + " announced");
        }
    }

    /** Closes every channel connection (threads reading them stop). Idempotent. */
    @Override
    public void close() {
        synchronized (connections) {
            closed = true;
        }
        for (Connection c : connections) {
            if (c != null) {
                closeQuietly(c);
            }
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // best effort: the migration outcome is already decided
        }
    }
}
