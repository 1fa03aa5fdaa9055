package dev.tern.kernel.migration;

import dev.tern.kernel.ram.PageChannels;
import dev.tern.kernel.ram.PageCodecs;
import dev.tern.kernel.ram.PageSet;
import dev.tern.kernel.ram.RamCounters;
import dev.tern.kernel.ram.RamSender;
import dev.tern.kernel.state.ConfigHeader;
import dev.tern.kernel.state.SavedStateWriter;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.RemoteMemoryConnection;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * The source's multifd channels (docs/protocols/multifd.md): extra connections of the migration's
 * transport and address, each carrying a RAM stream of its own for its share of the pages
 * ({@link PageSet#share}: 64-page blocks by block number modulo the channel count), sent by its own
 * {@link RamSender} with its own codec sessions on its own thread. The main connection keeps the
 * control messages, the (page-less) main RAM stream and the device state.
 *
 * <p>Every call waits for every channel. A channel that fails closes all of them and fails the
 * migration naming the channel; the main connection closing (a cancel) does the same within
 * {@link #LIVENESS_MS}, so a channel blocked on a stalled peer never outlives the migration.
 */
final class MultifdChannels implements PageChannels {

    /** Least bytes a channel sends per part: smaller parts would spend more time in the barrier than sending. */
    static final long MIN_PART_BYTES = 256 << 10;
    /** How often a wait for the channels looks whether the main connection was closed (a cancel). */
    static final long LIVENESS_MS = 100;

    private record Channel(int index, Connection connection, WireOutput wire, SavedStateWriter stream,
            RamSender sender) {
    }

    private interface Work {
        boolean run(Channel c) throws IOException;
    }

    /** A channel's error, kept when it is the first: one dead channel makes the others' writes fail too. */
    private record Failure(Channel channel, Throwable error) {
    }

    private final Connection main;
    private final List<Channel> channels;
    private final RamCounters counters;
    private final ExecutorService threads;
    private final boolean[] done;
    private final AtomicReference<Failure> firstFailure = new AtomicReference<>();
    private volatile boolean closed;

    private MultifdChannels(Connection main, List<Channel> channels, RamCounters counters) {
        this.main = main;
        this.channels = List.copyOf(channels);
        this.counters = counters;
        this.done = new boolean[channels.size()];
        var n = new AtomicInteger();
        this.threads = Executors.newFixedThreadPool(channels.size(),
                r -> Thread.ofPlatform().daemon().name("tern-multifd-send-" + n.getAndIncrement()).unstarted(r));
    }

    /**
     * Announces multifd on the main connection and opens {@code count} channels, each greeted with
     * its hello. Refused over shm (RAM already goes one-sided) and one-way transports ({@code file:}).
     *
     * @param codecs the codec sessions of channel {@code i}
     */
    static MultifdChannels open(Connection main, WireOutput mainWire, ChannelConnector connector, int count,
            IntFunction<PageCodecs> codecs, GuestMemory memory, ConfigHeader header)
            throws IOException, MigrationException {
        if (main instanceof RemoteMemoryConnection) {
            throw new MigrationException("multifd is not available over shm: its RAM already goes one-sided into the"
                    + " destination's memory (switch the multifd capability off)");
        }
        if (!main.isBidirectional()) {
            throw new MigrationException("multifd needs a bidirectional transport (tcp or unix), not a one-way one"
                    + " such as file: (switch the multifd capability off)");
        }
        if (connector == null) {
            throw new MigrationException("multifd needs to open more connections to the destination, but this"
                    + " migration was given only its main connection");
        }
        MultifdSession session = MultifdSession.random(count);
        mainWire.control(WireMessage.MULTIFD, session.announcement());
        RamCounters counters = new RamCounters();
        List<Channel> opened = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                Connection c = connector.connect();
                try {
                    WireOutput wire = new WireOutput(c);
                    wire.control(WireMessage.CHANNEL, session.hello(i));
                    // the destination echoes an accepted hello, or says why it refuses the channel
                    String echo = new WireInput(c).expect(WireMessage.CHANNEL);
                    if (!echo.equals(session.hello(i))) {
                        throw new IOException("the destination answered channel " + i + "'s hello with '" + echo + "'");
                    }
                    opened.add(new Channel(i, c, wire, new SavedStateWriter(wire, header),
                            RamSender.channel(memory, codecs.apply(i), counters, i, count)));
                } catch (IOException | RuntimeException e) {
                    c.close();
                    throw e;
                }
            }
        } catch (IOException | RuntimeException e) {
            for (Channel c : opened) {
                c.sender().close();
                closeQuietly(c.connection());
            }
            throw new IOException("multifd: opening channel " + opened.size() + " of " + count + ": "
                    + describe(e), e);
        }
        return new MultifdChannels(main, opened, counters);
    }

    @Override
    public int count() {
        return channels.size();
    }

    @Override
    public RamCounters counters() {
        return counters;
    }

    @Override
    public void setup() throws IOException {
        runAll(c -> {
            c.stream().startLive(c.sender());
            return false;
        });
    }

    @Override
    public void beginRound(PageSet pages) {
        for (Channel c : channels) {
            c.sender().beginRound(pages);
            done[c.index()] = false;
        }
    }

    @Override
    public boolean sendPart(long maxBytes) throws IOException {
        long budget = Math.max(MIN_PART_BYTES, maxBytes / channels.size());
        runAll(c -> {
            if (done[c.index()]) {
                return true;
            }
            boolean finished = c.stream().iterateLive(c.sender(), budget);
            // Every part goes to the wire at once: the receiver applies it while the next is encoded
            // (what the switch-over's small parts are for), and a finished share is the round's sync.
            c.stream().flush();
            return finished;
        });
        for (boolean d : done) {
            if (!d) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void endRound() {
        channels.forEach(c -> c.sender().endRound());
    }

    @Override
    public void complete() throws IOException {
        runAll(c -> {
            c.stream().endLive(c.sender());
            c.stream().finish();
            c.wire().endStream();
            return true;
        });
    }

    @Override
    public long remainingPages() {
        return channels.stream().mapToLong(c -> c.sender().remainingPages()).sum();
    }

    @Override
    public long wireBytes() {
        return channels.stream().mapToLong(c -> c.wire().wireBytes()).sum();
    }

    @Override
    public Map<String, Map<String, Long>> codecStats() {
        var sums = new LinkedHashMap<String, Map<String, Long>>();
        for (Channel c : channels) {
            c.sender().codecStats().forEach((id, counters) -> {
                var into = sums.computeIfAbsent(id, k -> new LinkedHashMap<>());
                counters.forEach((key, v) -> into.merge(key, v, Long::sum));
            });
        }
        // a rate does not add up over channels: report their mean
        sums.values().forEach(m -> m.replaceAll((key, v) -> key.endsWith("-rate") && v != Long.MAX_VALUE
                ? v / channels.size() : v));
        return sums;
    }

    /** Runs {@code work} on every channel's thread at once and waits for all; records each result in {@link #done}. */
    private void runAll(Work work) throws IOException {
        List<Future<Boolean>> futures = new ArrayList<>();
        for (Channel c : channels) {
            futures.add(threads.submit(() -> {
                try {
                    return work.run(c);
                } catch (IOException | RuntimeException e) {
                    firstFailure.compareAndSet(null, new Failure(c, e));
                    throw e;
                }
            }));
        }
        for (Channel c : channels) {
            done[c.index()] = await(futures.get(c.index()), c);
        }
    }

    private boolean await(Future<Boolean> f, Channel c) throws IOException {
        while (true) {
            try {
                return f.get(LIVENESS_MS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillSending) {
                if (!main.isOpen() || closed) {
                    close(); // a cancel closed the main connection: end the blocked channel writes too
                }
            } catch (ExecutionException e) {
                close();
                Failure first = firstFailure.get();
                Channel failed = first == null ? c : first.channel();
                Throwable why = first == null ? e.getCause() : first.error();
                throw new IOException("multifd channel " + failed.index() + " of " + channels.size() + " to "
                        + failed.connection().peer() + ": " + describe(why), why);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new InterruptedIOException("interrupted while waiting for multifd channel " + c.index());
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        channels.forEach(c -> closeQuietly(c.connection())); // ends writes blocked on a stalled peer
        threads.shutdownNow();
        try {
            // the codec sessions are closed only once no channel thread can be using them
            if (!threads.awaitTermination(10, TimeUnit.SECONDS)) {
                return; // leave them to the garbage collector rather than close them under a thread
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        channels.forEach(c -> c.sender().close());
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (IOException | RuntimeException ignored) {
            // closing is best effort: the migration outcome is already decided
        }
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isEmpty() ? e.toString() : m;
    }
}
