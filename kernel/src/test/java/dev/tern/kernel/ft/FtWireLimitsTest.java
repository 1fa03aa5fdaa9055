package dev.tern.kernel.ft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tern.testkit.transport.BytesConnection;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every FT message kind's payload bound ({@link FtMessage#maxPayload()}): read at the bound, refused one byte past. */
class FtWireLimitsTest {

    private static byte[] message(FtMessage kind, int length) {
        return ByteBuffer.allocate(5 + length).put((byte) kind.code()).putInt(length).array();
    }

    @ParameterizedTest
    @EnumSource(FtMessage.class)
    void aPayloadOfTheBoundIsReadAndOneBytePastIsRefused(FtMessage kind) throws IOException {
        int max = kind.maxPayload();
        FtWire.Message m = new FtWire(new BytesConnection(message(kind, max))).receive();
        assertEquals(kind, m.kind());
        assertEquals(max, m.payload().remaining());
        IOException e = assertThrows(IOException.class,
                () -> new FtWire(new BytesConnection(message(kind, max + 1))).receive());
        assertEquals("ft wire: " + kind + " at byte 0 declares " + (max + 1) + " bytes, at most " + max + " allowed",
                e.getMessage());
    }
}
