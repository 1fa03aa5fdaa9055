package dev.tern.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A TCP relay on loopback that a test can stall and heal: stalled, it passes no byte either way
 * and keeps every connection open (no reset, no end of stream) — a network that stops delivering
 * while both processes live; healed, it passes on what it held and goes on. Armed with
 * {@link #stallInCheckpoint}, it reads the FT frames the connecting side (the primary) sends and
 * stalls itself, and the relays named with it, at an exact byte: half-way through checkpoint N's
 * stream, so "mid-checkpoint" does not depend on timing.
 */
final class StallingRelay implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Object gate = new Object();
    private final CountDownLatch stalledOnce = new CountDownLatch(1);
    private boolean stalled; // guarded by gate
    private boolean closed; // guarded by gate
    private volatile FtFrameWatch watch;
    private volatile List<StallingRelay> withMe = List.of();

    StallingRelay(String targetUri) throws IOException {
        String hp = targetUri.substring("tcp:".length());
        int colon = hp.lastIndexOf(':');
        this.target = new InetSocketAddress(hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1)));
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("stalling-relay").start(this::accept);
    }

    /** The address to give the process that should go through the relay. */
    String uri() {
        return "tcp:127.0.0.1:" + server.getLocalPort();
    }

    /**
     * Stalls this relay and {@code others} once half the stream of the first checkpoint from
     * {@code sequence} on whose CHECKPOINT_BEGIN announces more than {@code minBytes} has passed
     * towards the target, on the first connection. (How many pages a checkpoint dirtied depends on
     * how far the guest ran in its interval, so a given checkpoint may be small on some host.)
     */
    void stallInCheckpoint(long sequence, long minBytes, StallingRelay... others) {
        withMe = List.of(others);
        watch = new FtFrameWatch(sequence, minBytes);
    }

    /** The checkpoint the relay stalls in, once its CHECKPOINT_BEGIN passed; -1 before. */
    long stalledCheckpoint() {
        FtFrameWatch w = watch;
        return w == null ? -1 : w.chosen();
    }

    /** The armed checkpoint's announced stream length, once its CHECKPOINT_BEGIN passed; -1 before. */
    long announcedBytes() {
        FtFrameWatch w = watch;
        return w == null ? -1 : w.announced();
    }

    /** Waits until the relay has stalled (by {@link #stall()} or its armed checkpoint); false after {@code seconds}. */
    boolean awaitStall(long seconds) throws InterruptedException {
        return stalledOnce.await(seconds, java.util.concurrent.TimeUnit.SECONDS);
    }

    void stall() {
        synchronized (gate) {
            stalled = true;
        }
        stalledOnce.countDown();
    }

    /** Passes on what was held and everything after it. */
    void heal() {
        synchronized (gate) {
            stalled = false;
            gate.notifyAll();
        }
    }

    private void holdWhileStalled() throws IOException {
        synchronized (gate) {
            try {
                while (stalled && !closed) {
                    gate.wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while stalled", e);
            }
        }
    }

    private void accept() {
        try {
            boolean first = true;
            while (true) {
                Socket in = server.accept();
                sockets.add(in);
                holdWhileStalled(); // a stalled network carries no connection attempt either
                Socket out;
                try {
                    out = new Socket(target.getAddress(), target.getPort());
                } catch (IOException refused) {
                    in.close(); // nobody listens there any more: the caller sees its connection end
                    continue;
                }
                sockets.add(out);
                FtFrameWatch w = first ? watch : null;
                first = false;
                Thread.ofPlatform().daemon().start(() -> pump(in, out, w));
                Thread.ofPlatform().daemon().start(() -> pump(out, in, null));
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void pump(Socket from, Socket to, FtFrameWatch w) {
        byte[] buf = new byte[64 << 10];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                holdWhileStalled(); // what a read just took is held too
                int at = w == null ? -1 : w.stallPoint(buf, n);
                if (at >= 0) {
                    out.write(buf, 0, at);
                    out.flush();
                    stall();
                    withMe.forEach(StallingRelay::stall);
                    holdWhileStalled();
                    out.write(buf, at, n - at);
                } else {
                    out.write(buf, 0, n);
                }
            }
            holdWhileStalled(); // a stalled network passes on no end of stream either
            to.shutdownOutput();
        } catch (IOException e) {
            // one side closed
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (gate) {
            closed = true;
            gate.notifyAll();
        }
        stalledOnce.countDown();
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }

    /**
     * Follows the FT frames ({@code u8 kind, u32 length, payload}) one direction carries, to find
     * the byte half-way through one checkpoint's stream: its CHECKPOINT_BEGIN announces the stream's
     * length, its CHECKPOINT_DATA payloads carry the stream.
     */
    static final class FtFrameWatch {
        private static final int BEGIN = 0x10;
        private static final int DATA = 0x11;

        private final long sequence;
        private final long minBytes;
        private volatile long chosen = -1;
        private final byte[] header = new byte[5];
        private int headerFill;
        private int kind;
        private long payloadLeft;
        private final byte[] begin = new byte[28];
        private int beginFill;
        private volatile long announced = -1;
        private long streamPassed;
        private boolean done;

        FtFrameWatch(long sequence, long minBytes) {
            this.sequence = sequence;
            this.minBytes = minBytes;
        }

        long announced() {
            return announced;
        }

        long chosen() {
            return chosen;
        }

        /** Where in {@code buf[0..n)} to stall (the bytes before it pass), or -1 to pass it all. */
        int stallPoint(byte[] buf, int n) {
            int i = 0;
            while (i < n && !done) {
                if (payloadLeft == 0 && headerFill < 5) {
                    header[headerFill++] = buf[i++];
                    if (headerFill == 5) {
                        kind = header[0] & 0xFF;
                        payloadLeft = ((header[1] & 0xFFL) << 24) | ((header[2] & 0xFF) << 16)
                                | ((header[3] & 0xFF) << 8) | (header[4] & 0xFF);
                        beginFill = 0;
                        headerFill = payloadLeft == 0 ? 0 : 5;
                    }
                    continue;
                }
                int take = (int) Math.min(payloadLeft, n - i);
                if (kind == BEGIN) {
                    for (int k = 0; k < take && beginFill < begin.length; k++) {
                        begin[beginFill++] = buf[i + k];
                    }
                    if (beginFill == begin.length && announced < 0 && u64(begin, 0) >= sequence
                            && u64(begin, 16) > minBytes) {
                        chosen = u64(begin, 0);
                        announced = u64(begin, 16);
                    }
                } else if (kind == DATA && announced >= 0) {
                    long toMiddle = announced / 2 - streamPassed;
                    if (toMiddle < take) {
                        done = true;
                        return i + (int) toMiddle;
                    }
                    streamPassed += take;
                }
                i += take;
                payloadLeft -= take;
                if (payloadLeft == 0) {
                    headerFill = 0;
                }
            }
            return -1;
        }

        private static long u64(byte[] b, int off) {
            long v = 0;
            for (int k = 0; k < 8; k++) {
                v = (v << 8) | (b[off + k] & 0xFF);
            }
            return v;
        }
    }
}
