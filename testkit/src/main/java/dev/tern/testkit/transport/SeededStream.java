package dev.tern.testkit.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * A reproducible pseudo-random byte stream written and read in deliberately irregular pieces, so
 * that a transport's framing, buffering and partial reads are all exercised; both ends compute a
 * CRC-32C to prove the bytes arrived unaltered and in order.
 *
 * @param length bytes in the stream
 * @param seed what the content derives from
 */
public record SeededStream(long length, long seed) {

    private static final int[] WRITE_SIZES = {4096, 1, 65536, 1 << 20, 4095, 12345, 7, 300_000};
    private static final int[] READ_SIZES = {65536, 3, 4096, 1 << 20, 999, 131072};

    /** Checksum and length of what was written or read. */
    public record Digest(long bytes, long crc) { }

    /** Writes the whole stream to {@code out}, alternating heap and direct buffers. */
    public Digest writeTo(ByteChannel out) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        CRC32C crc = new CRC32C();
        long sent = 0;
        int turn = 0;
        while (sent < length) {
            int size = (int) Math.min(WRITE_SIZES[turn % WRITE_SIZES.length], length - sent);
            byte[] piece = new byte[size];
            random.nextBytes(piece);
            crc.update(piece);
            ByteBuffer buffer = turn % 2 == 0 ? ByteBuffer.wrap(piece) : ByteBuffer.allocateDirect(size).put(piece).flip();
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            sent += size;
            turn++;
        }
        return new Digest(sent, crc.getValue());
    }

    /** Reads until end of stream, or until {@code limit} bytes when the stream must not end. */
    public static Digest readFrom(ByteChannel in, long limit) throws IOException {
        CRC32C crc = new CRC32C();
        long received = 0;
        int turn = 0;
        while (received < limit) {
            int size = (int) Math.min(READ_SIZES[turn % READ_SIZES.length], limit - received);
            ByteBuffer buffer = turn % 2 == 0 ? ByteBuffer.allocate(size) : ByteBuffer.allocateDirect(size);
            int n = in.read(buffer);
            if (n < 0) {
                break;
            }
            buffer.flip();
            crc.update(buffer);
            received += n;
            turn++;
        }
        return new Digest(received, crc.getValue());
    }
}
