package dev.tern.kernel.ft;

import dev.tern.kernel.migration.BandwidthPace;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * Puts the primary's encoded checkpoints and pre-copy rounds on the wire: a BEGIN message with the
 * stream's sequence, page records, length and CRC32C, the stream in CHECKPOINT_DATA parts of at most
 * the kind's bound, and CHECKPOINT_END; each checkpoint counted in the statistics first. It also
 * holds the primary's test hooks (docs/protocols/ft.md, "Test hooks"), which name places in this
 * sequence.
 */
final class CheckpointSender {

    /**
     * Test hook: halt the JVM at checkpoint N, {@code N:mid}, {@code N:acked}, {@code N:step} or
     * {@code N:released}.
     */
    static final String HALT_PROPERTY = "tern.ft.test.halt";
    /** Test hook: flip one byte of checkpoint N's stream after its CRC was computed. */
    static final String CORRUPT_PROPERTY = "tern.ft.test.corrupt";

    private final CheckpointStats stats;

    CheckpointSender(CheckpointStats stats) {
        this.stats = stats;
    }

    /** Counts checkpoint {@code c} as taken for {@code cause} and sends it. */
    void send(FtWire w, CheckpointWriter.Encoded c, CheckpointStats.Cause cause) throws IOException {
        stats.taken(cause, c.sequence(), c.pauseNanos(), c.requestNanos(), c.dirtyPages(), c.stream().length);
        sendStream(w, FtMessage.CHECKPOINT_BEGIN, c.sequence(), c, null);
    }

    /**
     * A checkpoint or pre-copy round numbered {@code seq}: {@code begin}, DATA..., CHECKPOINT_END,
     * held to {@code pace} (null: at full speed) after each part.
     */
    void sendStream(FtWire w, FtMessage begin, long seq, CheckpointWriter.Encoded c, BandwidthPace pace)
            throws IOException {
        byte[] s = c.stream();
        w.send(begin, ByteBuffer.allocate(28).putLong(seq).putLong(c.pageRecords()).putLong(s.length).putInt(c.crc())
                .flip());
        // the test hooks name checkpoints; a pre-copy round's own sequence is -1
        if (Long.toString(c.sequence()).equals(System.getProperty(CORRUPT_PROPERTY))) {
            s = s.clone();
            s[s.length / 2] ^= 0x5A;
        }
        int chunk = FtMessage.CHECKPOINT_DATA.maxPayload();
        for (int off = 0; off < s.length; off += chunk) {
            int n = Math.min(chunk, s.length - off);
            if (halting(c.sequence(), "mid")) {
                w.send(FtMessage.CHECKPOINT_DATA, ByteBuffer.wrap(s, off, Math.max(1, n / 2)));
                testHalt(c.sequence(), "mid");
            }
            w.send(FtMessage.CHECKPOINT_DATA, ByteBuffer.wrap(s, off, n));
            if (pace != null) {
                try {
                    pace.sent(n);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("ft: interrupted while pacing the full sync");
                }
            }
        }
        w.sendLong(FtMessage.CHECKPOINT_END, seq);
    }

    /** Ends a checkpoint's JFR event at the standby's acknowledgement. */
    static void commit(CheckpointEvent event, CheckpointWriter.Encoded c, CheckpointStats.Cause cause) {
        event.end();
        if (event.shouldCommit()) {
            event.sequence = c.sequence();
            event.cause = cause.name().toLowerCase(Locale.ROOT);
            event.pause = c.pauseNanos();
            event.dirtyPages = c.dirtyPages();
            event.streamBytes = c.stream().length;
            event.commit();
        }
    }

    private static boolean halting(long seq, String where) {
        return (seq + ":" + where).equals(System.getProperty(HALT_PROPERTY));
    }

    /** The test hook: ends this JVM as abruptly as SIGKILL (no shutdown hooks, sockets closed by the OS). */
    static void testHalt(long seq, String where) {
        if (halting(seq, where)) {
            System.err.println("ft: test hook: halting at checkpoint " + seq + " (" + where + ")");
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
    }
}
