package dev.tern.cli;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntPredicate;
import java.util.function.ToIntFunction;

/**
 * The far end of the net-blk-counter guest's network: every frame its UDP backend sends lands
 * here, from whichever process runs the guest at the time, and must carry the counter one above
 * the last — across migrations, which must neither lose nor repeat a step. The only exception is
 * a snapshot restore, which rewinds the guest on purpose: {@link #expectNext} names the counter
 * the restored guest sends next.
 *
 * <p>Loopback UDP is delivered inside the sender's {@code sendto}, so once the guest is stopped
 * everything it sent is already queued here; {@link #drain} sends a marker after it and waits for
 * the reader to reach the marker, which makes "the last counter the guest sent" exact.
 *
 * <p>A recording observer ({@link #recording}) also keeps every datagram as (source port, counter)
 * ({@link #received}): a fault-tolerance test, where two processes send and a failover repeats a
 * few counters on purpose, judges those itself ({@link FailoverObserver}) instead of by the one-run
 * sequence check. The soak does not record: it runs for hours. The counter comes
 * from a decoder: the own guests' frame by default, or another guest's (the Debian guest's syslog
 * datagrams).
 */
final class SoakObserver implements AutoCloseable {

    private static final byte[] MARK = "SOAK-MARK".getBytes(StandardCharsets.US_ASCII);
    private static final long WAIT_SECONDS = 60;

    /** The own guests' frame — EtherType 0x88b5 (local experimental), "TERN", the counter — or -1. */
    static final ToIntFunction<ByteBuffer> GUEST_FRAME = f -> f.remaining() >= 22 && f.getShort(12) == (short) 0xb588
            && f.get(14) == 'T' && f.get(15) == 'E' && f.get(16) == 'R' && f.get(17) == 'N' ? f.getInt(18) : -1;

    private final ToIntFunction<ByteBuffer> decoder;

    private final DatagramSocket socket;
    private final DatagramSocket marker;
    private final Thread reader;
    private final List<String> violations = new ArrayList<>();
    private volatile boolean closing;
    // guarded by this
    private long last;
    private long packets;
    private long rewindTo = -1;
    private long hostDropped;
    private long marksSent;
    private long marksSeen;
    /** Each datagram: {source port, counter}, the counter -1 for one that is not the guest's; null: not kept. */
    private final List<int[]> received;

    SoakObserver() throws IOException {
        this(GUEST_FRAME, false);
    }

    /** An observer of the frames {@code decoder} reads a counter from (-1: not the guest's). */
    SoakObserver(ToIntFunction<ByteBuffer> decoder) throws IOException {
        this(decoder, false);
    }

    /** An observer that keeps every datagram, of the frames {@code decoder} reads a counter from (-1: not the guest's). */
    static SoakObserver recording(ToIntFunction<ByteBuffer> decoder) throws IOException {
        return new SoakObserver(decoder, true);
    }

    private SoakObserver(ToIntFunction<ByteBuffer> decoder, boolean record) throws IOException {
        this.decoder = decoder;
        this.received = record ? new ArrayList<>() : null;
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setReceiveBufferSize(8 << 20);
        socket.setSoTimeout(100); // lets the reader notice close()
        marker = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        reader = Thread.ofPlatform().daemon().name("soak-observer").start(this::read);
    }

    /** The port the guests' UDP backends send to. */
    int port() {
        return socket.getLocalPort();
    }

    /** The last counter received (0 before the first). */
    synchronized long last() {
        return last;
    }

    /** Frames received. */
    synchronized long packets() {
        return packets;
    }

    /** What went wrong so far: each a counter out of sequence or a frame that is not the guest's. */
    synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    /**
     * With the guest stopped: waits until every frame it sent has been read, and returns the last
     * counter.
     */
    long drain() throws IOException, InterruptedException {
        long id;
        synchronized (this) {
            id = ++marksSent;
        }
        byte[] payload = ByteBuffer.allocate(MARK.length + 8).put(MARK).putLong(id).array();
        marker.send(new DatagramPacket(payload, payload.length, InetAddress.getLoopbackAddress(), port()));
        synchronized (this) {
            await(() -> marksSeen >= id, "the observer's marker " + id);
            return last;
        }
    }

    /**
     * A recording observer's datagrams so far, in arrival order: {source port, counter}, the
     * counter -1 when not the guest's.
     */
    synchronized List<int[]> received() {
        if (received == null) {
            throw new IllegalStateException("this observer does not record (SoakObserver.recording)");
        }
        return List.copyOf(received);
    }

    /**
     * Waits until {@code count} datagrams whose counter {@code wanted} accepts have arrived, failing
     * with {@code what} after the wait's bound or once {@code sending} turns false first.
     */
    synchronized void awaitReceived(IntPredicate wanted, int count, BooleanSupplier sending, String what)
            throws InterruptedException {
        received(); // a recording observer's
        await(() -> received.stream().filter(p -> wanted.test(p[1])).count() >= count || !sending.getAsBoolean(), what);
        if (received.stream().filter(p -> wanted.test(p[1])).count() < count) {
            throw new IllegalStateException("soak: the sender ended before " + what);
        }
    }

    /** Waits until a counter above {@code counter} arrives. */
    synchronized void awaitBeyond(long counter) throws InterruptedException {
        await(() -> last > counter, "a counter above " + counter + " (last " + last + ")");
    }

    /** Waits until the frame {@link #expectNext} announced has arrived. */
    synchronized void awaitRewound() throws InterruptedException {
        await(() -> rewindTo < 0, "the first frame after the rewind (counter " + rewindTo + ")");
    }

    /** The guest was rewound: the next frame must carry {@code counter}. */
    synchronized void expectNext(long counter) {
        rewindTo = counter;
    }

    private interface Condition {
        boolean holds();
    }

    private void await(Condition c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!c.holds()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("soak: waited " + WAIT_SECONDS + " s for " + what + " after " + packets
                        + " frames" + (violations.isEmpty() ? "" : "; violations so far: "
                        + String.join("; ", violations.subList(0, Math.min(5, violations.size())))));
            }
            // woken by every datagram; the bound also lets a condition on a process's life be seen
            wait(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 200));
        }
    }

    private void read() {
        byte[] buf = new byte[2048];
        while (!closing) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (IOException e) {
                return;
            }
            accept(ByteBuffer.wrap(p.getData(), 0, p.getLength()).order(ByteOrder.LITTLE_ENDIAN), p.getPort());
        }
    }

    private synchronized void accept(ByteBuffer f, int from) {
        if (isMark(f)) {
            marksSeen = Math.max(marksSeen, f.order(ByteOrder.BIG_ENDIAN).getLong(MARK.length));
            notifyAll();
            return;
        }
        int decoded = decoder.applyAsInt(f);
        if (received != null) {
            received.add(new int[] {from, decoded});
        }
        if (decoded >= 0) {
            long counter = decoded;
            long expected = rewindTo >= 0 ? rewindTo : last + 1;
            if (counter > expected && droppedByHost(counter - expected)) {
                hostDropped += counter - expected;
            } else if (counter != expected) {
                violations.add("frame from port " + from + " carries counter " + counter + ", expected " + expected
                        + (rewindTo >= 0 ? " (the first after a snapshot restore)" : ""));
            }
            rewindTo = -1;
            last = counter;
            packets++;
        } else {
            violations.add("a " + f.remaining() + "-byte datagram from port " + from + " that is not the guest's frame");
        }
        notifyAll();
    }

    /**
     * Whether the kernel dropped at least {@code n} more datagrams to this socket than already
     * accounted for: a full receive buffer while the reader was descheduled, a host artefact and
     * not the guest's loss. Linux counts them per socket (the last column of /proc/net/udp).
     */
    private boolean droppedByHost(long n) {
        return socketDrops() - hostDropped >= n;
    }

    /** Frames the host dropped on the way here (counted by the kernel, so not Tern's loss). */
    synchronized long hostDropped() {
        return hostDropped;
    }

    /** Datagrams the kernel dropped on their way to this observer's socket so far (0 where it does not say). */
    long socketDrops() {
        String port = String.format(":%04X ", port());
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/net/udp"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 2 && (f[1] + " ").endsWith(port)) {
                    return Long.parseLong(f[f.length - 1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no drop is explained
        }
        return 0;
    }

    private static boolean isMark(ByteBuffer f) {
        if (f.remaining() != MARK.length + 8) {
            return false;
        }
        for (int i = 0; i < MARK.length; i++) {
            if (f.get(i) != MARK[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() throws InterruptedException {
        closing = true;
        reader.join();
        socket.close();
        marker.close();
    }
}
