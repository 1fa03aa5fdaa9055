package dev.tern.testkit.transport;

import dev.tern.spi.transport.Connection;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * A connection that delivers fixed bytes and then the end of the stream, and keeps what is written
 * to it: a hostile peer's whole transmission, for fuzz targets that read a wire protocol without a
 * second thread (a pipe's buffer would block a writer that runs ahead of the reader).
 */
public final class BytesConnection implements Connection {

    private final ByteBuffer in;
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();

    /** Delivers {@code bytes} (not copied), then end of stream. */
    public BytesConnection(byte[] bytes) {
        in = ByteBuffer.wrap(bytes);
    }

    /** Everything written to the connection so far. */
    public byte[] written() {
        return written.toByteArray();
    }

    @Override
    public String peer() {
        return "fuzz";
    }

    @Override
    public int read(ByteBuffer dst) {
        if (!in.hasRemaining()) {
            return -1;
        }
        int n = Math.min(dst.remaining(), in.remaining());
        dst.put(in.slice(in.position(), n));
        in.position(in.position() + n);
        return n;
    }

    @Override
    public int write(ByteBuffer src) {
        int n = src.remaining();
        byte[] b = new byte[n];
        src.get(b);
        written.write(b, 0, n);
        return n;
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }
}
