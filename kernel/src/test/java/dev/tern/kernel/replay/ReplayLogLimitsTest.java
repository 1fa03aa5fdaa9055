package dev.tern.kernel.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The replay log's bounds at the bound and one past: block payload ({@code MAX_BLOCK}) and string length ({@code MAX_STRING}). */
class ReplayLogLimitsTest {

    /** Magic, version, then a header block frame (its own check valid) declaring {@code length} payload bytes and carrying none. */
    private static byte[] declaring(long length) {
        byte[] fields = ByteBuffer.allocate(ReplayLogCodec.FRAME_FIELDS).put((byte) ReplayLogCodec.BLOCK_HEADER)
                .putInt((int) length).putInt(0).array();
        return ByteBuffer.allocate(ReplayLogCodec.MAGIC.length + 2 + ReplayLogCodec.frameBytes(ReplayLogCodec.FORMAT_VERSION))
                .put(ReplayLogCodec.MAGIC).putShort((short) ReplayLogCodec.FORMAT_VERSION).put(fields)
                .putInt(ReplayLogCodec.frameCheck(fields)).array();
    }

    @Test
    void aBlockOfTheBoundIsReadAsTruncatedAndOneBytePastIsRefused() {
        ReplayLogException at = assertThrows(ReplayLogException.class,
                () -> ReplayLogReader.parse(declaring(ReplayLogCodec.MAX_BLOCK)));
        assertEquals("the log has no complete header block: the last block (block 0 at offset 10) is incomplete: 0 of its "
                + ReplayLogCodec.MAX_BLOCK + " payload bytes are present (at offset 10)", at.getMessage());
        ReplayLogException past = assertThrows(ReplayLogException.class,
                () -> ReplayLogReader.parse(declaring(ReplayLogCodec.MAX_BLOCK + 1L)));
        assertEquals("block 0 claims 16777217 payload bytes, more than the 16777216 allowed (at offset 11)", past.getMessage());
        assertEquals(11, past.offset());
    }

    @Test
    void aStringOfTheBoundIsReadAndOneBytePastIsRefused() throws ReplayLogException {
        for (int n : new int[] {ReplayLogCodec.MAX_STRING, ReplayLogCodec.MAX_STRING + 1}) {
            var out = new ReplayLogCodec.Out();
            out.bytes(new byte[n]);
            byte[] b = out.bytes.toByteArray();
            var in = new ReplayLogCodec.In(b, 0, b.length, 100);
            in.context = "header";
            if (n == ReplayLogCodec.MAX_STRING) {
                assertEquals(n, in.string().length());
            } else {
                ReplayLogException e = assertThrows(ReplayLogException.class, in::string);
                assertEquals("header: string of 65537 bytes is longer than 65536 (at offset 100)", e.getMessage());
                assertEquals(100, e.offset());
            }
        }
    }
}
