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
    void aVcpuMismatchNamesBothCountsAndTheOptionToChange() {
        assertEquals(null, FtHandshake.vcpuMismatch(2, 2));
        assertEquals("the primary is a machine with 2 vCPUs, this standby has 1 (--smp 1): start the standby with"
                + " --smp 2", FtHandshake.vcpuMismatch(2, 1));
        assertEquals("the primary is a machine with 1 vCPU, this standby has 4 (--smp 4): start the standby with"
                + " --smp 1", FtHandshake.vcpuMismatch(1, 4));
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

    @Test
    void aPeerOfTheVersionBeforeRefusesAndIsRefused() throws IOException {
        // a version 5 peer: its configuration text names no fencing kind, which a version 6 standby compares
        byte[] welcome = java.nio.ByteBuffer.allocate(5 + 42).put((byte) 1).putInt(42)
                .put("TERN-FT\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putShort((short) 5)
                .put(new byte[32]).array();
        var c = new BytesConnection(welcome);
        IOException e = assertThrows(IOException.class,
                () -> FtHandshake.primary(new FtWire(c), new byte[] {1}, "machine", 1, 200, java.util.List.of()));
        assertEquals("ft wire: the peer speaks protocol version 5, this one 6", e.getMessage());
        FtWire answer = new FtWire(new BytesConnection(c.written()));
        assertEquals(FtMessage.WELCOME, answer.receive().kind());
        FtWire.Message refused = answer.receive();
        assertEquals(FtMessage.REFUSED, refused.kind());
        assertEquals("protocol version 5 is not 6", refused.text());
    }

    @Test
    void aReleasedReportIsASequenceAndACountExactly() throws IOException {
        var c = new BytesConnection(new byte[0]);
        new FtWire(c).sendReleased(9, 17);
        assertEquals("140000000c" + "0000000000000009" + "00000011", HexFormat.of().formatHex(c.written()));
        assertEquals("ft wire: RELEASED at byte 0 declares 13 bytes, at most 12 allowed",
                refusal("140000000d" + "00".repeat(13)).getMessage());
    }
}
