package dev.tern.kernel.ft;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The line a {@link FileLease} holder keeps in the lease file, read and written only under the
 * record's lock: {@code tern-ft-lease 2 epoch=N holder=HEX role=primary|standby state=held|ended|released
 * renewal=C live=yes|no}. The epoch counts the holders the file has had; the renewal counts the
 * holder's writes, so a contender sees a live holder's record change every quarter of a lease. An
 * empty file has no record yet; anything else that is not one record (a version 1 record included)
 * is refused, naming the file.
 *
 * @param holder the holder's random id, 16 hex digits
 * @param renewal how many times the holder wrote its record under this epoch
 * @param live whether the holder keeps the liveness lock, which its process's end frees at once
 */
record LeaseRecord(String holder, boolean primary, State state, long epoch, long renewal, boolean live) {

    /** What the holder says about the guest. */
    enum State {
        /** The guest runs under this lease. */
        HELD,
        /** The guest ended under it: no standby may bring it back. */
        ENDED,
        /** Given back for a planned switch-over. */
        RELEASED
    }

    /** A record is one short line: a file longer than this is not a lease file. */
    static final int MAX_BYTES = 256;
    private static final Pattern LINE = Pattern.compile(
            "tern-ft-lease 2 epoch=(\\d{1,18}) holder=([0-9a-f]{16}) role=(primary|standby) state=(held|ended|released)"
                    + " renewal=(\\d{1,18}) live=(yes|no)\n");

    /** Whether the guest ended under this lease at its primary. */
    boolean ended() {
        return primary && state == State.ENDED;
    }

    /** The record in {@code channel}, null when the file is empty. */
    static LeaseRecord read(FileChannel channel, Path path) throws IOException {
        long size = channel.size();
        if (size == 0) {
            return null;
        }
        if (size > MAX_BYTES) {
            throw new IOException("the lease file " + path + " has " + size + " bytes, not one lease record (at most "
                    + MAX_BYTES + ")");
        }
        ByteBuffer b = ByteBuffer.allocate((int) size);
        while (b.hasRemaining() && channel.read(b, b.position()) >= 0) {
            // reads to the end
        }
        String text = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
        Matcher m = LINE.matcher(text);
        if (!m.matches()) {
            throw new IOException("the lease file " + path + " does not hold a lease record ('tern-ft-lease 2 epoch=N"
                    + " holder=HEX role=... state=... renewal=C live=...'); remove it if no Tern process uses it");
        }
        return new LeaseRecord(m.group(2), m.group(3).equals("primary"),
                State.valueOf(m.group(4).toUpperCase(java.util.Locale.ROOT)), Long.parseLong(m.group(1)),
                Long.parseLong(m.group(5)), m.group(6).equals("yes"));
    }

    /** Replaces the file's content with this record and forces it to the device. */
    void write(FileChannel channel) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(text().getBytes(StandardCharsets.US_ASCII));
        int at = 0;
        while (b.hasRemaining()) {
            at += channel.write(b, at);
        }
        channel.truncate(at);
        channel.force(true);
    }

    String text() {
        return "tern-ft-lease 2 epoch=" + epoch + " holder=" + holder + " role=" + (primary ? "primary" : "standby")
                + " state=" + state.name().toLowerCase(java.util.Locale.ROOT) + " renewal=" + renewal + " live="
                + (live ? "yes" : "no") + "\n";
    }
}
