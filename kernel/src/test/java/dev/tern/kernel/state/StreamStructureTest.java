package dev.tern.kernel.state;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Hand-built frames with valid CRCs that break the stream's bookkeeping rules. */
class StreamStructureTest {

    private static final HexFormat HEX = HexFormat.of();
    /** FULL section "u" with an empty record and no subsections: payload 00 00. */
    private static final String EMPTY_FULL_PAYLOAD = "00000002" + "0000";

    private static String frame(String hex) {
        CRC32C crc = new CRC32C();
        crc.update(HEX.parseHex(hex));
        return hex + String.format("%08x", crc.getValue());
    }

    private static String full(int id, String name) {
        return frame("05" + String.format("%08x", id) + String.format("%02x", name.length())
                + HEX.formatHex(name.getBytes()) + "0130" + "00000001" + EMPTY_FULL_PAYLOAD);
    }

    private static SavedStateException refuse(String frames) throws IOException {
        byte[] prefix = Arrays.copyOf(SnapshotLoaderTest.stream(), 33);
        byte[] body = HEX.parseHex(frames);
        byte[] all = Arrays.copyOf(prefix, prefix.length + body.length);
        System.arraycopy(body, 0, all, prefix.length, body.length);
        return assertThrows(SavedStateException.class, () -> SavedStateAnalyzer.walk(new ByteArrayInputStream(all)));
    }

    @Test
    void duplicateSectionIsRefused() throws IOException {
        assertEquals("section 'u' instance 0: appears twice (at byte 56)", refuse(full(1, "u") + full(2, "u")).getMessage());
    }

    @Test
    void sectionIdsMustCountUp() throws IOException {
        assertEquals("section 'v' instance 0: section id 3 out of order (expected 2) (at byte 56)",
                refuse(full(1, "u") + full(3, "v")).getMessage());
    }

    @Test
    void partsNeedAnOpenLiveSection() throws IOException {
        assertEquals("PART frame for section id 1, which is not an open live section (at byte 56)",
                refuse(full(1, "u") + frame("03" + "00000001" + "00000000")).getMessage());
    }

    @Test
    void liveSectionsMustEndBeforeEof() throws IOException {
        String start = frame("02" + "00000001" + "0372616d" + "0130" + "00000001" + "00000000");
        assertEquals("section 'ram' instance 0: live section not ended before EOF (at byte 56)",
                refuse(start + frame("06" + "00000000")).getMessage());
    }

    @Test
    void unknownFrameKindsAndAMissingTrailerAreRefused() throws IOException {
        assertEquals("unknown or misplaced frame kind 0x7 (at byte 33)", refuse("07").getMessage());
        assertEquals("unknown or misplaced frame kind 0x1 (at byte 33)", refuse(frame("01" + "00000000")).getMessage());
        assertEquals("truncated: trailer length needs 4 bytes, the stream ends after 0 (at byte 42)",
                refuse(frame("06" + "00000000")).getMessage());
    }

    @Test
    void badLengthsInsideAFrameHeaderAreRefused() throws IOException {
        assertEquals("section name length 0 not in [1, 255] (at byte 38)",
                refuse(frame("05" + "00000001" + "00")).getMessage());
        assertEquals("section name length has an over-long encoding (at byte 38)",
                refuse(frame("05" + "00000001" + "8100")).getMessage());
    }
}
