package dev.tern.kernel.ft;

import dev.tern.spi.transport.Connection;
import dev.tern.testkit.transport.BytesConnection;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fault-tolerance wire refuses hostile framing before allocating, naming kind and offset. */
class FtWireTest {

    /** A connection reading fixed bytes. */
    private static Connection reading(byte[] bytes) {
        return new BytesConnection(bytes);
    }

    private static IOException refusal(String hex) {
        return assertThrows(IOException.class, () -> new FtWire(reading(HexFormat.of().parseHex(hex))).receive());
    }

    @Test
    void refusesOversizedUnknownAndTruncatedMessages() throws IOException {
        assertEquals("ft wire: CHECKPOINT_DATA at byte 0 declares 4294967295 bytes, at most 1048576 allowed",
                refusal("11ffffffff").getMessage());
        assertEquals("ft wire: HEARTBEAT at byte 0 declares 1 bytes, at most 0 allowed", refusal("2000000001").getMessage());
        assertEquals("ft wire: unknown message kind 0x7f at byte 0", refusal("7f00000000").getMessage());
        IOException cut = refusal("1300000008000000");
        assertTrue(cut instanceof EOFException && cut.getMessage().contains("inside the ACK payload"), cut.getMessage());
        FtWire ok = new FtWire(reading(HexFormat.of().parseHex("20000000001300000008000000000000002a")));
        assertEquals(FtMessage.HEARTBEAT, ok.receive().kind());
        assertEquals(42, FtWire.exactly(ok.receive(), 8).getLong());
    }

    @Test
    void aProofDependsOnRoleSecretAndBothNonces() {
        byte[] a = new byte[32];
        byte[] b = new byte[32];
        b[0] = 1;
        byte[] p = FtHandshake.mac("pw".getBytes(), "primary", a, b);
        assertTrue(!java.util.Arrays.equals(p, FtHandshake.mac("pw".getBytes(), "standby", a, b)));
        assertTrue(!java.util.Arrays.equals(p, FtHandshake.mac("pw".getBytes(), "primary", b, a)));
        assertTrue(!java.util.Arrays.equals(p, FtHandshake.mac("pW".getBytes(), "primary", a, b)));
        assertEquals("primary has 'ram: [a]', standby has 'ram: [b]'",
                FtHandshake.difference("machine: pc\nram: [a]\n", "machine: pc\nram: [b]\n"));
    }

    @Test
    void aCodecListRoundTripsAndAHostileOneIsRefused() throws IOException {
        byte[] list = FtHandshake.codecList(java.util.List.of("xbzrle", "lz4"));
        assertEquals(java.util.List.of("xbzrle", "lz4"), FtHandshake.readCodecList(java.nio.ByteBuffer.wrap(list), "CONFIG"));
        assertEquals(java.util.List.of(), FtHandshake.readCodecList(java.nio.ByteBuffer.wrap(new byte[] {0}), "CONFIG"));
        for (String hex : new String[] {"", "09", "0100", "0105616263", "020161" + "0161", "010120"}) {
            IOException e = assertThrows(IOException.class,
                    () -> FtHandshake.readCodecList(java.nio.ByteBuffer.wrap(HexFormat.of().parseHex(hex)), "ACCEPTED"));
            assertTrue(e.getMessage().startsWith("ft wire: ACCEPTED"), e.getMessage());
        }
    }
}
