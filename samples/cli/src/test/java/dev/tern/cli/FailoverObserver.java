package dev.tern.cli;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.function.ToIntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The far end of a fault-tolerant pair's network in the output-commit tests: the UDP backends of
 * both sides send their guest's frames here, each frame carrying the counter of the guest's step,
 * and {@link #check} decides whether what arrived, together with the counter on the surviving
 * side's disk, is the output of one uninterrupted run. A frame whose counter the decoder cannot
 * find is recorded as a stranger (counter -1) and fails the check.
 */
final class FailoverObserver implements AutoCloseable {

    /** The counter a frame carries, or -1 when it is not one of the guest's counter frames. */
    static final ToIntFunction<ByteBuffer> OWN_GUEST_FRAME = f -> f.limit() >= 22 && f.getShort(12) == (short) 0xb588
            && f.get(14) == 'T' && f.get(15) == 'E' && f.get(16) == 'R' && f.get(17) == 'N' ? f.getInt(18) : -1;

    private final DatagramSocket socket;
    private final ToIntFunction<ByteBuffer> decoder;
    private final Thread reader;
    /** Each packet received: {source port, counter}; guarded by itself. */
    private final List<int[]> packets = new ArrayList<>();
    /** The first bytes of each frame that carried no counter, in hex, for the failure message; guarded by packets. */
    private final List<String> strangers = new ArrayList<>();
    private volatile boolean stopping;

    FailoverObserver(ToIntFunction<ByteBuffer> decoder) throws IOException {
        this.decoder = decoder;
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setReceiveBufferSize(4 << 20);
        socket.setSoTimeout(100); // lets the reader notice the end of the test
        reader = Thread.ofPlatform().daemon().name("observer").start(this::read);
    }

    /** The port the backends send to. */
    int port() {
        return socket.getLocalPort();
    }

    private void read() {
        byte[] buf = new byte[2048];
        while (!stopping) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (IOException e) {
                return;
            }
            ByteBuffer f = ByteBuffer.wrap(p.getData(), 0, p.getLength()).slice().order(ByteOrder.LITTLE_ENDIAN);
            int counter = decoder.applyAsInt(f);
            synchronized (packets) {
                if (counter < 0) {
                    strangers.add(HexFormat.of().formatHex(p.getData(), 0, Math.min(p.getLength(), 64)));
                }
                packets.add(new int[] {p.getPort(), counter});
                packets.notifyAll();
            }
        }
    }

    /** A UDP port free now on the loopback address, for a side's backend to bind (so its packets are told apart). */
    static int freePort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        }
    }

    /** Waits until {@code count} packets arrived (woken by each packet; bounded, and ended by the process's death). */
    void awaitPackets(int count, MigrationPeer sender) throws InterruptedException {
        awaitPacket(p -> true, count, sender, "the observer never received " + count + " packets");
    }

    /** Waits until a packet with counter {@code counter} arrived (bounded, and ended by the process's death). */
    void awaitCounter(int counter, MigrationPeer sender) throws InterruptedException {
        awaitPacket(c -> c == counter, 1, sender, "the observer never received counter " + counter);
    }

    private void awaitPacket(IntPredicate wanted, int count, MigrationPeer sender, String failure)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        synchronized (packets) {
            while (packets.stream().filter(p -> wanted.test(p[1])).count() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !sender.process().isAlive()) {
                    fail(failure + "; sender:\n" + sender.output());
                }
                TimeUnit.NANOSECONDS.timedWait(packets, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
            }
        }
    }

    /** Stops reading (every side is gone or done: what they sent is in the socket's queue or read) and returns all. */
    List<int[]> stop() throws InterruptedException {
        stopping = true;
        reader.join();
        synchronized (packets) {
            return List.copyOf(packets);
        }
    }

    /**
     * What a failover looked like from outside: the primary released counters 1..released, the
     * standby sent first..last, {@code twice} of them (at most a release step) sent by both.
     */
    record Failover(int released, int first, int last, int twice) {
    }

    /**
     * Stops reading and checks that the packets and the counter on the standby's disk are those of
     * one uninterrupted run: the primary's packets 1..r in order, the standby's consecutive from where
     * its last checkpoint's held batch began, nothing lost between, nothing from beyond that checkpoint,
     * at most {@code step} packets twice (none when {@code exact}: the primary died right after a
     * report of all it delivered), and the disk at the last packet's counter or one step on.
     *
     * @param redelivered the outputs the standby delivered again from its last checkpoint's batch
     */
    Failover check(int primaryPort, int standbyPort, int redelivered, int step, boolean exact, int disk)
            throws InterruptedException {
        List<int[]> seen = stop();
        List<String> odd;
        synchronized (packets) {
            odd = List.copyOf(strangers);
        }
        assertTrue(odd.isEmpty(), "datagrams that are not the guest's counter frames: " + odd);
        assertTrue(seen.stream().allMatch(p -> p[0] == primaryPort || p[0] == standbyPort), "a stranger's datagram");
        List<Integer> fromPrimary = seen.stream().filter(p -> p[0] == primaryPort).map(p -> p[1]).toList();
        List<Integer> fromStandby = seen.stream().filter(p -> p[0] == standbyPort).map(p -> p[1]).toList();
        assertConsecutive(fromPrimary, 1, "the primary's packets");
        assertTrue(!fromStandby.isEmpty(), "the standby sent nothing after taking over");
        int first = fromStandby.getFirst();
        assertConsecutive(fromStandby, first, "the standby's packets");
        int released = fromPrimary.size();
        // the standby first delivers the unreported tail of its last checkpoint's batch (first .. first +
        // redelivered - 1), then runs: the primary released nothing beyond that checkpoint, and nothing is missing
        assertTrue(released <= first + redelivered - 1, "the primary released up to " + released
                + ", beyond the standby's checkpoint, whose batch ends at " + (first + redelivered - 1));
        assertTrue(first <= released + 1, "packets " + (released + 1) + ".." + (first - 1) + " were lost");
        int twice = released - first + 1;
        if (exact) {
            assertEquals(released + 1, first, "the primary released 1.." + released + ", the standby went on from "
                    + first);
        }
        // else the primary may die while it delivers a batch: the standby delivers again what the primary
        // delivered after its last RELEASED report (the window no protocol closes, docs/protocols/ft.md
        // "Output commit"; a receiver that numbers its packets absorbs it) — at most one release step
        assertTrue(twice <= step, "the standby delivered " + twice + " packets the primary had released ("
                + first + ".." + released + "), more than one release step of " + step);
        int n = fromStandby.getLast();
        assertTrue(disk == n || disk == n + 1, "the standby's disk holds counter " + disk + ", its last packet was " + n);
        assertTrue(n > fromPrimary.size(), "the guest ran on at the standby: last packet " + n);
        return new Failover(released, first, n, twice);
    }

    private static void assertConsecutive(List<Integer> values, int from, String what) {
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) != from + i) {
                fail(what + ": expected " + (from + i) + " at index " + i + ", got " + values.get(i) + " ("
                        + values.subList(Math.max(0, i - 3), Math.min(values.size(), i + 4)) + ")");
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
        socket.close();
    }
}
