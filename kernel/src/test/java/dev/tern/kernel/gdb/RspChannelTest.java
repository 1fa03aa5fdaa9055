package dev.tern.kernel.gdb;

import dev.tern.kernel.gdb.RspChannel.Incoming;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The framing layer alone, against byte streams: what GDB sends and what a hostile peer might. */
class RspChannelTest {

    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();

    private RspChannel channel(String input) {
        return new RspChannel(new ByteArrayInputStream(input.getBytes(StandardCharsets.ISO_8859_1)), sent);
    }

    private static String framed(String payload) {
        int sum = 0;
        for (byte b : payload.getBytes(StandardCharsets.ISO_8859_1)) {
            sum += b & 0xff;
        }
        return "$" + payload + "#" + String.format("%02x", sum & 0xff);
    }

    @Test
    void aGoodPacketIsAcknowledgedAndDelivered() throws Exception {
        var c = channel("+" + framed("qSupported:swbreak+"));
        var p = assertInstanceOf(Incoming.Packet.class, c.next());
        assertEquals("qSupported:swbreak+", p.text());
        assertEquals("+", sent.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void aBadChecksumIsNakkedAndNamed() throws Exception {
        var c = channel("$g#00" + framed("g"));
        var bad = assertInstanceOf(Incoming.Bad.class, c.next());
        assertTrue(bad.reason().contains("checksum 00, computed 67"), bad.reason());
        assertTrue(bad.nakked());
        // the resent packet is taken
        assertEquals("g", assertInstanceOf(Incoming.Packet.class, c.next()).text());
        assertEquals("-+", sent.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void aChecksumThatIsNotHexIsRefused() throws Exception {
        var bad = assertInstanceOf(Incoming.Bad.class, channel("$g#zz").next());
        assertTrue(bad.reason().contains("not two hex digits"), bad.reason());
    }

    @Test
    void aPacketOfTheAnnouncedSizeIsTakenAndOneBytePastIsRefused() throws Exception {
        String atLimit = "X0," + "a".repeat(RspChannel.MAX_PAYLOAD - 3);
        String pastLimit = atLimit + "a";
        var c = channel(framed(atLimit) + framed(pastLimit));
        assertEquals(atLimit, assertInstanceOf(Incoming.Packet.class, c.next()).text());
        var bad = assertInstanceOf(Incoming.Bad.class, c.next());
        assertEquals("packet longer than " + RspChannel.MAX_PAYLOAD + " bytes (the announced PacketSize)", bad.reason());
    }

    @Test
    void anOversizedPacketIsReportedWithoutHoldingItAll() throws Exception {
        String huge = "M0," + "a".repeat(RspChannel.MAX_PAYLOAD * 4);
        var c = channel(framed(huge) + framed("?"));
        var bad = assertInstanceOf(Incoming.Bad.class, c.next());
        assertTrue(bad.reason().contains("longer than " + RspChannel.MAX_PAYLOAD), bad.reason());
        assertFalse(bad.nakked(), "an oversized packet gets an error reply, not a resend");
        assertEquals("?", assertInstanceOf(Incoming.Packet.class, c.next()).text());
    }

    @Test
    void escapesAreUndoneAndTheInterruptByteStandsAlone() throws Exception {
        // X data with an escaped '#' (0x23 ^ 0x20 = 0x03) and '}' (0x7d ^ 0x20 = 0x5d)
        var c = channel("\u0003" + framed("X0,2:}\u0003}]"));
        assertInstanceOf(Incoming.Interrupt.class, c.next());
        var p = assertInstanceOf(Incoming.Packet.class, c.next());
        assertArrayEquals("X0,2:#}".getBytes(StandardCharsets.ISO_8859_1), p.payload());
    }

    @Test
    void aPacketEndingInsideAnEscapeIsRefused() throws Exception {
        var bad = assertInstanceOf(Incoming.Bad.class, channel(framed("X0,1:}")).next());
        assertTrue(bad.reason().contains("inside an escape"), bad.reason());
    }

    @Test
    void sentPacketsAreEscapedAndChecksummed() throws Exception {
        var c = channel("");
        c.send("a#b*");
        assertEquals("$a}\u0003b}\n#" + String.format("%02x", ('a' + '}' + 3 + 'b' + '}' + 0x0a) & 0xff),
                sent.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void aNakResendsTheLastPacketButNotForever() throws Exception {
        var c = channel("------+");
        c.send("OK");
        var e = assertThrows(java.io.IOException.class, c::next);
        assertTrue(e.getMessage().contains("refused the same packet"), e.getMessage());
        assertEquals("$OK#9a".repeat(6), sent.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void withoutAcksNothingIsAcknowledged() throws Exception {
        var c = channel(framed("g") + "$g#00");
        c.disableAcks();
        assertInstanceOf(Incoming.Packet.class, c.next());
        var bad = assertInstanceOf(Incoming.Bad.class, c.next());
        assertFalse(bad.nakked(), "without acks a bad packet needs an error reply");
        assertEquals("", sent.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void theEndOfTheStreamEndsReading() {
        assertThrows(EOFException.class, () -> channel("$g#6").next());
    }
}
