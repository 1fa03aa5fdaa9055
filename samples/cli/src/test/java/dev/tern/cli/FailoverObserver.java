package dev.tern.cli;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.function.ToIntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The far end of a fault-tolerant pair's network in the output-commit tests: the UDP backends of
 * both sides send their guest's frames to a {@link SoakObserver} (one socket reader, frame decoder
 * and account of the datagrams the host's kernel dropped, shared with the soak), each frame
 * carrying the counter of the guest's step, and {@link #check} decides whether what arrived,
 * together with the counter on the surviving side's disk, is the output of one uninterrupted run.
 * A frame whose counter the decoder cannot find fails the check.
 */
final class FailoverObserver implements AutoCloseable {

    private final SoakObserver frames;

    /** An observer of the frames {@code decoder} reads a counter from ({@link SoakObserver#GUEST_FRAME}, or another guest's). */
    FailoverObserver(ToIntFunction<ByteBuffer> decoder) throws IOException {
        this.frames = SoakObserver.recording(decoder);
    }

    /** The port the backends send to. */
    int port() {
        return frames.port();
    }

    /** A UDP port free now on the loopback address, for a side's backend to bind (so its packets are told apart). */
    static int freePort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        }
    }

    /** Waits until {@code count} packets arrived (woken by each packet; bounded, and ended by the process's death). */
    void awaitPackets(int count, MigrationPeer sender) throws InterruptedException {
        awaitPacket(p -> true, count, sender, count + " packets");
    }

    /** Waits until a packet with counter {@code counter} arrived (bounded, and ended by the process's death). */
    void awaitCounter(int counter, MigrationPeer sender) throws InterruptedException {
        awaitPacket(c -> c == counter, 1, sender, "counter " + counter);
    }

    private void awaitPacket(IntPredicate wanted, int count, MigrationPeer sender, String what)
            throws InterruptedException {
        try {
            frames.awaitReceived(wanted, count, () -> sender.process().isAlive(), what);
        } catch (IllegalStateException e) {
            fail("the observer never received " + what + " (" + e.getMessage() + "); sender:\n" + sender.output());
        }
    }

    /**
     * Every side is gone or done: waits until everything they sent is read (a marker after it) and
     * returns every packet, {source port, counter}.
     */
    List<int[]> received() throws IOException, InterruptedException {
        frames.drain();
        return frames.received();
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
     * report of all it delivered), and the disk at the last packet's counter or one step on. A
     * missing counter counts as lost unless the kernel counted at least as many datagrams dropped at
     * the observer's socket (a full receive buffer on a loaded host is not the pair's loss).
     *
     * @param redelivered the outputs the standby delivered again from its last checkpoint's batch
     */
    Failover check(int primaryPort, int standbyPort, int redelivered, int step, boolean exact, int disk)
            throws IOException, InterruptedException {
        List<int[]> seen = received();
        long strangers = seen.stream().filter(p -> p[1] < 0).count();
        assertEquals(0, strangers, "datagrams that are not the guest's counter frames: " + frames.violations());
        assertTrue(seen.stream().allMatch(p -> p[0] == primaryPort || p[0] == standbyPort), "a stranger's datagram");
        List<Integer> fromPrimary = seen.stream().filter(p -> p[0] == primaryPort).map(p -> p[1]).toList();
        List<Integer> fromStandby = seen.stream().filter(p -> p[0] == standbyPort).map(p -> p[1]).toList();
        long missing = ascending(fromPrimary, 1, "the primary's packets");
        assertTrue(!fromStandby.isEmpty(), "the standby sent nothing after taking over");
        int first = fromStandby.getFirst();
        missing += ascending(fromStandby, first, "the standby's packets");
        int released = fromPrimary.isEmpty() ? 0 : fromPrimary.getLast();
        // the standby first delivers the unreported tail of its last checkpoint's batch (first .. first +
        // redelivered - 1), then runs: the primary released nothing beyond that checkpoint, and nothing is missing
        assertTrue(released <= first + redelivered - 1, "the primary released up to " + released
                + ", beyond the standby's checkpoint, whose batch ends at " + (first + redelivered - 1));
        missing += Math.max(0, first - released - 1); // between the primary's last and the standby's first
        long dropped = frames.socketDrops();
        assertTrue(missing <= dropped, missing + " counters are missing (the primary's last " + released
                + ", the standby's first " + first + "), more than the " + dropped + " datagrams the host dropped");
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
        assertTrue(n > released, "the guest ran on at the standby: last packet " + n);
        return new Failover(released, first, n, twice);
    }

    /**
     * Requires {@code values} to rise from {@code from}, each above the last (never repeated, never
     * out of order); returns how many counters are missing between them, for the host's drops to explain.
     */
    private static long ascending(List<Integer> values, int from, String what) {
        long missing = 0;
        int expected = from;
        for (int i = 0; i < values.size(); i++) {
            int v = values.get(i);
            if (v < expected) {
                fail(what + ": expected " + expected + " or above at index " + i + ", got " + v + " ("
                        + values.subList(Math.max(0, i - 3), Math.min(values.size(), i + 4)) + ")");
            }
            missing += v - expected;
            expected = v + 1;
        }
        return missing;
    }

    @Override
    public void close() throws InterruptedException {
        frames.close();
    }
}
