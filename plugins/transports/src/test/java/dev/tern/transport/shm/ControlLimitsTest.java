package dev.tern.transport.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tern.transport.shm.ControlMessage.Data;
import dev.tern.transport.shm.ControlMessage.Range;
import dev.tern.transport.shm.ControlMessage.RegisterError;
import dev.tern.transport.shm.ControlMessage.RegisterRequest;
import dev.tern.transport.shm.ControlMessage.ZeroRanges;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every bound of the shm control stream at the bound and one past: frame payload, data message,
 * ranges per zero announcement, region name, error text.
 */
class ControlLimitsTest {

    private static ControlMessage decode(int type, byte[] payload) throws ProtocolException {
        return ControlCodec.decode(type, ByteBuffer.wrap(payload));
    }

    private static ControlMessage roundTrip(ControlMessage m) throws ProtocolException {
        ByteBuffer frame = ControlCodec.encode(m);
        int length = ControlCodec.payloadLength(frame);
        return ControlCodec.decode(ControlCodec.type(frame), frame.slice(ControlCodec.HEADER, length));
    }

    @Test
    void frameHeaderAtTheLimitAndOnePast() throws ProtocolException {
        ByteBuffer header = ByteBuffer.allocate(ControlCodec.HEADER).putInt(ControlCodec.MAX_PAYLOAD).putShort((short) 2);
        assertEquals(ControlCodec.MAX_PAYLOAD, ControlCodec.payloadLength(header));
        header.putInt(0, ControlCodec.MAX_PAYLOAD + 1);
        assertEquals("control message of 524289 bytes exceeds the limit of 524288",
                assertThrows(ProtocolException.class, () -> ControlCodec.payloadLength(header)).getMessage());
    }

    @Test
    void dataMessageAtTheLimitAndOnePast() throws ProtocolException {
        assertEquals(ControlCodec.MAX_DATA, ((Data) decode(ControlCodec.DATA, new byte[ControlCodec.MAX_DATA])).bytes().length);
        assertEquals("data message of 262145 bytes (1.." + ControlCodec.MAX_DATA + ")", assertThrows(ProtocolException.class,
                () -> decode(ControlCodec.DATA, new byte[ControlCodec.MAX_DATA + 1])).getMessage());
    }

    @Test
    void zeroAnnouncementAtTheLimitAndOnePast() throws ProtocolException {
        List<Range> ranges = new ArrayList<>();
        for (int i = 0; i < ControlCodec.MAX_RANGES; i++) {
            ranges.add(new Range(i * 8192L, 4096));
        }
        assertEquals(ControlCodec.MAX_RANGES, ((ZeroRanges) roundTrip(new ZeroRanges(0, ranges))).ranges().size());
        ranges.add(new Range(1L << 40, 4096));
        assertEquals("zero announcement with 4097 ranges (1..4096)",
                assertThrows(ProtocolException.class, () -> roundTrip(new ZeroRanges(0, ranges))).getMessage());
    }

    @Test
    void regionNameAtTheLimitAndOnePast() throws ProtocolException {
        String name = "r".repeat(64);
        assertEquals(name, ((RegisterRequest) roundTrip(new RegisterRequest(name, 4096))).name());
        assertEquals("region name '" + name + "r' is not 1..64 of [A-Za-z0-9._-]", assertThrows(ProtocolException.class,
                () -> roundTrip(new RegisterRequest(name + "r", 4096))).getMessage());
    }

    @Test
    void errorTextAtTheLimitAndOnePast() throws ProtocolException {
        byte[] text = "e".repeat(1024).getBytes(StandardCharsets.UTF_8);
        assertEquals(1024, ((RegisterError) decode(5, text)).reason().length());
        byte[] longer = "e".repeat(1025).getBytes(StandardCharsets.UTF_8);
        assertEquals("registration error of 1025 bytes does not fit the message",
                assertThrows(ProtocolException.class, () -> decode(5, longer)).getMessage());
    }
}
