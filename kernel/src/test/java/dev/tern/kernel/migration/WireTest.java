package dev.tern.kernel.migration;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WireTest {

    @Test
    void streamsEndAtTheirMarkerAndControlMessagesFollow() throws Exception {
        var ends = LoopbackConnection.pair();
        byte[] big = new byte[700_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                var out = new WireOutput(ends[0]);
                out.write(big);
                out.endStream();
                out.write(new byte[] {1, 2, 3});
                out.endStream();
                out.control(WireMessage.COMMIT, "");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        var in = new WireInput(ends[1]);
        assertArrayEquals(big, in.readAllBytes());
        assertEquals(-1, in.read(), "the stream stays ended");
        in.nextStream();
        assertArrayEquals(new byte[] {1, 2, 3}, in.readAllBytes());
        assertEquals("", in.expect(WireMessage.COMMIT));
        writer.join();
    }

    @Test
    void abortCarriesTheReason() throws Exception {
        var ends = LoopbackConnection.pair();
        new WireOutput(ends[0]).control(WireMessage.ABORT, "disk on fire");
        IOException e = assertThrows(IOException.class, () -> new WireInput(ends[1]).readAllBytes());
        assertEquals("the source aborted the migration: disk on fire", e.getMessage());
    }

    @Test
    void hostileHeadersAreRefusedWithTheirOffset() throws Exception {
        assertRefused(new byte[] {0x7f, 0, 0, 0, 0}, "unknown message kind 0x7f at byte 0");
        assertRefused(new byte[] {1, 0x7f, 0, 0, 0}, "declares 2130706432 bytes");
        assertRefused(new byte[] {4, 0, 0, 0, 0}, "COMMIT at byte 0 inside a saved-state stream");
        assertRefused(new byte[] {1, 0, 0, 0, 9, 1, 2}, "ended inside the DATA payload");
    }

    private static void assertRefused(byte[] wire, String expected) throws Exception {
        var ends = LoopbackConnection.pair();
        ends[0].write(ByteBuffer.wrap(wire));
        ends[0].close();
        IOException e = assertThrows(IOException.class, () -> new WireInput(ends[1]).readAllBytes());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
