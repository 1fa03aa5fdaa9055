package dev.tern.kernel.migration;

import dev.tern.spi.transport.Connection;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The receiving half of the migration wire: {@link #read} yields the bytes of the current
 * saved-state stream and end-of-file at its {@link WireMessage#STREAM_END}; {@link #nextStream()}
 * moves on. Control messages are read with {@link #expect}. Input is hostile: lengths are bounded
 * and unknown kinds refused, naming the byte offset.
 */
final class WireInput extends InputStream {

    private final Connection connection;
    private final ByteBuffer header = ByteBuffer.allocate(5);
    private ByteBuffer data = ByteBuffer.allocate(0);
    /**
     * Where DATA payloads land, reused (a page round is hundreds of 256 KiB messages) and direct, so
     * the socket reads straight into it; {@link #data} is a view of it, always consumed before the
     * next DATA message is read.
     */
    private ByteBuffer dataBuffer = ByteBuffer.allocateDirect(0);
    private boolean streamEnded;
    private long offset;

    WireInput(Connection connection) {
        this.connection = connection;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!data.hasRemaining()) {
            if (streamEnded) {
                return -1;
            }
            readMessageInStream();
        }
        int n = Math.min(len, data.remaining());
        data.get(b, off, n);
        return n;
    }

    /** Bytes read from the wire so far, headers included. */
    long wireBytes() {
        return offset;
    }

    /** Starts reading the next saved-state stream; the current one must have ended. */
    void nextStream() throws IOException {
        if (!streamEnded || data.hasRemaining()) {
            throw new IOException("migration wire: the stream has more data where its end was expected (byte "
                    + offset + ")");
        }
        streamEnded = false;
    }

    /** Takes one binary payload (post-copy messages); throws to refuse it. */
    interface PayloadSink {
        void accept(byte[] payload, long at) throws IOException;
    }

    /**
     * Starts reading the next saved-state stream, handing every {@code kind} message found between
     * the two streams to {@code sink} first (post-copy's missing-page runs).
     */
    void nextStream(WireMessage kind, PayloadSink sink) throws IOException {
        if (!streamEnded || data.hasRemaining()) {
            nextStream(); // throws, naming where
        }
        while (true) {
            long at = offset;
            Message m = readMessage();
            if (m.kind != kind) {
                streamEnded = false;
                inStream(m, at);
                return;
            }
            sink.accept(m.payload, at);
        }
    }

    /** A control message with its binary payload and where it began on the wire. */
    record Control(WireMessage kind, byte[] payload, long at) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /**
     * Reads the next message outside any stream (post-copy); stream data there is refused, naming
     * the byte offset.
     */
    Control nextControl() throws IOException {
        long at = offset;
        Message m = readMessage();
        if (m.kind == WireMessage.DATA || m.kind == WireMessage.STREAM_END) {
            throw new IOException("migration wire: " + m.kind + " at byte " + at + " outside a saved-state stream");
        }
        return new Control(m.kind, m.payload, at);
    }

    /** Reads one control message and checks it is {@code kind}; returns its text. */
    String expect(WireMessage kind) throws IOException {
        long at = offset;
        Message m = readMessage();
        if (m.kind == WireMessage.ABORT || m.kind == WireMessage.REFUSED) {
            throw new IOException(describe(m.kind) + ": " + m.text());
        }
        if (m.kind != kind) {
            throw new IOException("migration wire: expected " + kind + " at byte " + at + ", found " + m.kind);
        }
        return m.text();
    }

    /**
     * Reads the next message when no stream data is pending: returns its text when it is
     * {@code kind}; otherwise keeps it for {@link #read} (stream data or end) and returns null.
     */
    String optional(WireMessage kind) throws IOException {
        if (data.hasRemaining() || streamEnded) {
            return null;
        }
        long at = offset;
        Message m = readMessage();
        if (m.kind == kind) {
            return m.text();
        }
        inStream(m, at);
        return null;
    }

    private void readMessageInStream() throws IOException {
        long at = offset;
        inStream(readMessage(), at);
    }

    private void inStream(Message m, long at) throws IOException {
        switch (m.kind) {
            case DATA -> data = m.data;
            case STREAM_END -> streamEnded = true;
            case ABORT -> throw new IOException(describe(m.kind) + ": " + m.text());
            default -> throw new IOException("migration wire: " + m.kind + " at byte " + at
                    + " inside a saved-state stream");
        }
    }

    private static String describe(WireMessage kind) {
        return kind == WireMessage.ABORT ? "the source aborted the migration" : "the destination refused the migration";
    }

    /** A message: {@code data} for DATA (a view of the reused buffer), {@code payload} for the rest. */
    private record Message(WireMessage kind, byte[] payload, ByteBuffer data) {
        String text() {
            return payload == null ? "" : new String(payload, StandardCharsets.UTF_8);
        }
    }

    private Message readMessage() throws IOException {
        long at = offset;
        header.clear();
        fill(header, "message header");
        int code = header.get(0) & 0xFF;
        int len = header.getInt(1);
        WireMessage kind = WireMessage.ofCode(code);
        if (kind == null) {
            throw new IOException("migration wire: unknown message kind 0x" + Integer.toHexString(code) + " at byte " + at);
        }
        if (len < 0 || len > WireMessage.MAX_PAYLOAD) {
            throw new IOException("migration wire: " + kind + " at byte " + at + " declares "
                    + Integer.toUnsignedString(len) + " bytes, more than " + WireMessage.MAX_PAYLOAD);
        }
        if (kind == WireMessage.DATA) {
            if (dataBuffer.capacity() < len) {
                dataBuffer = ByteBuffer.allocateDirect(len);
            }
            dataBuffer.clear().limit(len);
            fill(dataBuffer, kind + " payload");
            return new Message(kind, null, dataBuffer.flip());
        }
        ByteBuffer payload = ByteBuffer.allocate(len);
        fill(payload, kind + " payload");
        return new Message(kind, payload.array(), null);
    }

    private void fill(ByteBuffer b, String what) throws IOException {
        while (b.hasRemaining()) {
            int n = connection.read(b);
            if (n < 0) {
                throw new EOFException("migration wire: the connection to " + connection.peer() + " ended inside the "
                        + what + " at byte " + offset);
            }
            offset += n;
        }
    }
}
