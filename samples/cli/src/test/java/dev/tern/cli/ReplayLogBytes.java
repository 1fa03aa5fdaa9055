package dev.tern.cli;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A version 5 replay log's block frames as docs/formats/replay-log.md lays them out (tag u8,
 * payloadLength u32, crc u32, frameCrc u32, payload), for tests that damage a log on purpose or
 * write one as a hostile tool would.
 */
final class ReplayLogBytes {

    /** Bytes of a frame before its payload. */
    static final int FRAME = 13;
    /** Where the first frame starts: after the magic (8) and the version (2). */
    static final int FIRST_FRAME = 10;

    private ReplayLogBytes() {
    }

    /** The offset of each block's frame, the header's first. */
    static List<Integer> frames(byte[] log) {
        var at = new ArrayList<Integer>();
        for (int pos = FIRST_FRAME; pos < log.length; pos += FRAME + payloadLength(log, pos)) {
            at.add(pos);
        }
        return at;
    }

    static int payloadLength(byte[] log, int frame) {
        return ByteBuffer.wrap(log, frame + 1, 4).getInt();
    }

    /** Recomputes the block's payload CRC and then its frame CRC, as a writer of hostile logs would. */
    static void seal(byte[] log, int frame) {
        var crc = new CRC32C();
        crc.update(log, frame, 5);
        crc.update(log, frame + FRAME, payloadLength(log, frame));
        ByteBuffer.wrap(log, frame + 5, 4).putInt((int) crc.getValue());
        sealFrame(log, frame);
    }

    /** Recomputes only the frame's own CRC (a length edited on purpose, the payload CRC left as it is). */
    static void sealFrame(byte[] log, int frame) {
        var crc = new CRC32C();
        crc.update(log, frame, 9);
        ByteBuffer.wrap(log, frame + 9, 4).putInt((int) crc.getValue());
    }
}
