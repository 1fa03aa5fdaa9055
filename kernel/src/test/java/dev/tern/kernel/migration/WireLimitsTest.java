package dev.tern.kernel.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** {@link WireMessage#MAX_PAYLOAD}: a message of exactly the limit is read; one byte more is refused unread. */
class WireLimitsTest {

    @Test
    void aDataMessageOfTheLimitIsReadAndOneBytePastIsRefused() throws Exception {
        var ends = LoopbackConnection.pair();
        byte[] big = new byte[WireMessage.MAX_PAYLOAD];
        big[big.length - 1] = 7;
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                ends[0].write(ByteBuffer.allocate(5).put((byte) WireMessage.DATA.code()).putInt(big.length).flip());
                ByteBuffer payload = ByteBuffer.wrap(big);
                while (payload.hasRemaining()) {
                    ends[0].write(payload);
                }
                ends[0].write(ByteBuffer.allocate(5).put((byte) WireMessage.STREAM_END.code()).putInt(0).flip());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(ByteBuffer.wrap(big), ByteBuffer.wrap(new WireInput(ends[1]).readAllBytes()));
        writer.join();

        var past = LoopbackConnection.pair();
        past[0].write(ByteBuffer.allocate(5).put((byte) WireMessage.DATA.code()).putInt(WireMessage.MAX_PAYLOAD + 1).flip());
        past[0].close();
        IOException e = assertThrows(IOException.class, () -> new WireInput(past[1]).readAllBytes());
        assertEquals("migration wire: DATA at byte 0 declares 1048577 bytes, more than 1048576", e.getMessage());
    }
}
