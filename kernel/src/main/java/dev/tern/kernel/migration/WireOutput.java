package dev.tern.kernel.migration;

import dev.tern.spi.transport.Connection;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The sending half of the migration wire: an {@link OutputStream} whose bytes travel as
 * {@link WireMessage#DATA} messages, plus the control messages. Counts every byte put on the wire.
 */
final class WireOutput extends OutputStream {

    private static final int CHUNK = 256 << 10;

    private final Connection connection;
    /**
     * Direct: a channel writes it to the socket without first copying it to a direct buffer of its
     * own. Made on the first write of stream data: a wire that only sends control messages (READY,
     * APPLIED) never pays for 256 KiB of direct memory.
     */
    private ByteBuffer buffer;
    private volatile long wireBytes;

    WireOutput(Connection connection) {
        this.connection = connection;
    }

    private ByteBuffer buffer() {
        if (buffer == null) {
            buffer = ByteBuffer.allocateDirect(5 + CHUNK);
            buffer.position(5);
        }
        return buffer;
    }

    /** Bytes written to the connection so far, framing included. */
    long wireBytes() {
        return wireBytes;
    }

    @Override
    public void write(int b) throws IOException {
        ByteBuffer buffer = buffer();
        if (!buffer.hasRemaining()) {
            flush();
        }
        buffer.put((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ByteBuffer buffer = buffer();
        while (len > 0) {
            if (!buffer.hasRemaining()) {
                flush();
            }
            int n = Math.min(len, buffer.remaining());
            buffer.put(b, off, n);
            off += n;
            len -= n;
        }
    }

    /** Sends the buffered bytes as one DATA message. */
    @Override
    public void flush() throws IOException {
        if (buffer == null) {
            return;
        }
        int len = buffer.position() - 5;
        if (len == 0) {
            return;
        }
        buffer.put(0, (byte) WireMessage.DATA.code());
        buffer.putInt(1, len);
        buffer.flip();
        send(buffer);
        buffer.clear();
        buffer.position(5);
    }

    /** Ends the current saved-state stream. */
    void endStream() throws IOException {
        flush();
        control(WireMessage.STREAM_END, "");
    }

    /** Sends a control message with a text payload. */
    void control(WireMessage kind, String text) throws IOException {
        flush();
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        int len = Math.min(payload.length, WireMessage.MAX_PAYLOAD);
        ByteBuffer m = ByteBuffer.allocate(5 + len);
        m.put((byte) kind.code()).putInt(len).put(payload, 0, len).flip();
        send(m);
    }

    /** Sends a control message with a binary payload (at most {@link WireMessage#MAX_PAYLOAD} bytes). */
    void control(WireMessage kind, byte[] payload, int len) throws IOException {
        if (len > WireMessage.MAX_PAYLOAD) {
            throw new IllegalArgumentException(kind + " payload of " + len + " bytes");
        }
        flush();
        ByteBuffer m = ByteBuffer.allocate(5 + len);
        m.put((byte) kind.code()).putInt(len).put(payload, 0, len).flip();
        send(m);
    }

    private void send(ByteBuffer b) throws IOException {
        int n = b.remaining();
        while (b.hasRemaining()) {
            connection.write(b);
        }
        wireBytes += n;
    }

    /** Does not close the connection: its owner does. */
    @Override
    public void close() throws IOException {
        flush();
    }
}
