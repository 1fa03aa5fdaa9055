package dev.tern.kernel.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Each declared size of {@link StreamLimits} at the limit (the size check passes: the stream then
 * fails for what it lacks, here the promised payload) and one past it (refused before anything is
 * read or allocated, naming the limit).
 */
class StreamLimitsTest {

    /** A valid header, then a frame of {@code kind} for section "x" instance "0" declaring {@code length}. */
    private static byte[] declaring(String kindHex, long length) throws IOException {
        byte[] valid = SnapshotLoaderTest.stream();
        byte[] frame = HexFormat.of().parseHex(kindHex + "00000001" + "0178" + "0130" + "00000001"
                + String.format("%08x", length));
        byte[] b = Arrays.copyOf(valid, 33 + frame.length);
        System.arraycopy(frame, 0, b, 33, frame.length);
        return b;
    }

    private static String refusal(byte[] stream) {
        return assertThrows(SavedStateException.class, () -> SavedStateAnalyzer.walk(new ByteArrayInputStream(stream)))
                .getMessage();
    }

    @Test
    void fullSectionPayloadAtTheLimitIsReadAndOnePastIsRefused() throws IOException {
        String at = refusal(declaring("05", StreamLimits.FULL_SECTION_BYTES));
        assertFalse(at.contains("exceeds"), at);
        assertEquals("section 'x' instance 0: FULL payload length 67108865 exceeds the limit of 67108864 (at byte 46)",
                refusal(declaring("05", StreamLimits.FULL_SECTION_BYTES + 1)));
    }

    @Test
    void livePartPayloadAtTheLimitIsReadAndOnePastIsRefused() throws IOException {
        String at = refusal(declaring("02", StreamLimits.LIVE_PART_BYTES));
        assertFalse(at.contains("exceeds"), at);
        assertEquals("section 'x' instance 0: START payload length 268435457 exceeds the limit of 268435456 (at byte 46)",
                refusal(declaring("02", StreamLimits.LIVE_PART_BYTES + 1)));
    }

    /** A valid stream whose trailer declares {@code length} bytes of JSON (its CRC and footer unchanged). */
    private static byte[] trailerDeclaring(long length) throws IOException {
        byte[] b = SnapshotLoaderTest.stream().clone();
        var buf = java.nio.ByteBuffer.wrap(b);
        int trailerAt = (int) buf.getLong(b.length - StreamFormat.FOOTER_BYTES);
        // the layout this relies on: length, JSON, CRC, footer
        assertEquals(b.length - StreamFormat.FOOTER_BYTES - trailerAt - 8, buf.getInt(trailerAt));
        buf.putInt(trailerAt, (int) length);
        return b;
    }

    private static String readerRefusal(byte[] stream) {
        return assertThrows(SavedStateException.class, () -> {
            var reader = new SavedStateReader(new ByteArrayInputStream(stream));
            while (!(reader.next() instanceof Frame.Eof)) {
                // the trailer is read with the EOF frame
            }
        }).getMessage();
    }

    @Test
    void trailerAtTheLimitIsReadAndOnePastIsRefused() throws IOException {
        String at = readerRefusal(trailerDeclaring(StreamLimits.TRAILER_BYTES));
        assertFalse(at.contains("exceeds"), at);
        String past = readerRefusal(trailerDeclaring(StreamLimits.TRAILER_BYTES + 1));
        assertTrue(past.startsWith("trailer length 16777217 exceeds the limit of 16777216"), past);
        String analyzed = refusal(trailerDeclaring(StreamLimits.TRAILER_BYTES + 1));
        assertTrue(analyzed.contains("trailer"), analyzed);
    }
}
