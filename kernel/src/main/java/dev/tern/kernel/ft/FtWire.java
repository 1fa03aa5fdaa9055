package dev.tern.kernel.ft;

import dev.tern.spi.transport.Connection;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One fault-tolerance connection: whole messages out (thread-safe: heartbeats interleave with
 * checkpoint data, never inside a message) and in (one reader). Input is hostile: unknown kinds
 * and payloads longer than their kind allows are refused, naming the kind and the byte offset.
 */
final class FtWire implements AutoCloseable {

    /** A message read. */
    record Message(FtMessage kind, ByteBuffer payload) {
        String text() {
            return StandardCharsets.UTF_8.decode(payload.duplicate()).toString();
        }
    }

    private final Connection connection;
    private final ByteBuffer header = ByteBuffer.allocate(5);
    private final AtomicLong sent = new AtomicLong();
    private long received;

    FtWire(Connection connection) {
        this.connection = connection;
    }

    String peer() {
        return connection.peer();
    }

    /** Bytes put on the wire so far, framing included. */
    long bytesSent() {
        return sent.get();
    }

    /** A payload up to this long goes out with its header in one write. */
    private static final int SMALL = 64;

    /** Sends one message; the payload must fit its kind. */
    void send(FtMessage kind, ByteBuffer payload) throws IOException {
        int len = payload.remaining();
        if (len > kind.maxPayload()) {
            throw new IllegalArgumentException(kind + " payload of " + len + " bytes exceeds " + kind.maxPayload());
        }
        ByteBuffer h;
        if (len <= SMALL) {
            // one write for the frame: a RELEASED goes out per delivered output by default
            h = ByteBuffer.allocate(5 + len).put((byte) kind.code()).putInt(len).put(payload).flip();
        } else {
            h = ByteBuffer.allocate(5).put((byte) kind.code()).putInt(len).flip();
        }
        synchronized (this) {
            while (h.hasRemaining()) {
                connection.write(h);
            }
            while (payload.hasRemaining()) {
                connection.write(payload);
            }
        }
        sent.addAndGet(5L + len);
    }

    void send(FtMessage kind) throws IOException {
        send(kind, ByteBuffer.allocate(0));
    }

    void send(FtMessage kind, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        send(kind, ByteBuffer.wrap(b, 0, Math.min(b.length, kind.maxPayload())));
    }

    void sendLong(FtMessage kind, long value) throws IOException {
        send(kind, ByteBuffer.allocate(8).putLong(value).flip());
    }

    /** RELEASED: the first {@code count} outputs of checkpoint {@code seq}'s batch were delivered. */
    void sendReleased(long seq, int count) throws IOException {
        send(FtMessage.RELEASED, ByteBuffer.allocate(12).putLong(seq).putInt(count).flip());
    }

    /** Reads the next message (one reader thread only). */
    Message receive() throws IOException {
        long at = received;
        header.clear();
        fill(header, "message header");
        int code = header.get(0) & 0xFF;
        long len = Integer.toUnsignedLong(header.getInt(1));
        FtMessage kind = FtMessage.ofCode(code);
        if (kind == null) {
            throw new IOException("ft wire: unknown message kind 0x" + Integer.toHexString(code) + " at byte " + at);
        }
        if (len > kind.maxPayload()) {
            throw new IOException("ft wire: " + kind + " at byte " + at + " declares " + len + " bytes, at most "
                    + kind.maxPayload() + " allowed");
        }
        ByteBuffer payload = ByteBuffer.allocate((int) len);
        fill(payload, kind + " payload");
        payload.flip();
        return new Message(kind, payload);
    }

    /** Reads the next message and requires {@code kind} (a REFUSED becomes an exception with its reason). */
    Message expect(FtMessage kind) throws IOException {
        Message m = receive();
        if (m.kind() == FtMessage.REFUSED && kind != FtMessage.REFUSED) {
            throw new FtRefusedException(m.text());
        }
        if (m.kind() != kind) {
            throw new IOException("ft wire: expected " + kind + ", got " + m.kind());
        }
        return m;
    }

    /** Requires a payload of exactly {@code n} bytes. */
    static ByteBuffer exactly(Message m, int n) throws IOException {
        if (m.payload().remaining() != n) {
            throw new IOException("ft wire: " + m.kind() + " has " + m.payload().remaining() + " bytes, not " + n);
        }
        return m.payload();
    }

    private void fill(ByteBuffer b, String what) throws IOException {
        while (b.hasRemaining()) {
            int n = connection.read(b);
            if (n < 0) {
                throw new EOFException("ft wire: the connection to " + connection.peer() + " ended inside the " + what
                        + " at byte " + received);
            }
            received += n;
        }
    }

    /** A step of a conversation on this wire. */
    interface Step<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code step}, closing this connection if it has not returned within {@code millis}: a
     * peer that accepted and then says nothing costs that long, not the transport's I/O timeout.
     *
     * @throws IOException naming {@code what}, the bound and the {@code --ft} key that sets it when
     *         the deadline ended the step
     */
    <T> T within(long millis, String what, String key, Step<T> step) throws IOException {
        var settled = new java.util.concurrent.atomic.AtomicBoolean();
        Thread deadline = Thread.ofVirtual().name("tern-ft-deadline").start(() -> {
            try {
                Thread.sleep(millis); // the bound itself, not a synchronisation
            } catch (InterruptedException e) {
                return; // the step ended in time
            }
            if (settled.compareAndSet(false, true)) {
                close(); // the blocked step fails now
            }
        });
        try {
            T result = step.run();
            if (settled.compareAndSet(false, true)) {
                return result;
            }
        } catch (IOException | RuntimeException e) {
            if (settled.compareAndSet(false, true)) {
                throw e;
            }
        } finally {
            deadline.interrupt();
        }
        throw new IOException(what + " with " + peer() + " did not finish within " + millis + " ms (" + key + "=)");
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (IOException ignored) {
            // closing a connection whose peer is gone
        }
    }
}
