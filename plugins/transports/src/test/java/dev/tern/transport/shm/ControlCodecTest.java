package dev.tern.transport.shm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tern.transport.shm.ControlMessage.ChunksDone;
import dev.tern.transport.shm.ControlMessage.Complete;
import dev.tern.transport.shm.ControlMessage.Data;
import dev.tern.transport.shm.ControlMessage.Hello;
import dev.tern.transport.shm.ControlMessage.Range;
import dev.tern.transport.shm.ControlMessage.RegisterError;
import dev.tern.transport.shm.ControlMessage.RegisterRequest;
import dev.tern.transport.shm.ControlMessage.RegisterResult;
import dev.tern.transport.shm.ControlMessage.ZeroRanges;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class ControlCodecTest {

    @Test
    void everyMessageRoundTrips() throws ProtocolException {
        List<ControlMessage> messages = List.of(new Hello(ControlCodec.MAGIC, 1), new RegisterRequest("pc.ram", 1L << 32),
                new RegisterResult(3, 4096, "tern-shm-12-3-00000000deadbeef"), new RegisterError("no region 'x'"),
                new ZeroRanges(1, List.of(new Range(0, 4096), new Range(1 << 20, 1 << 20))),
                new ChunksDone(5, 6), new Complete());
        for (ControlMessage m : messages) {
            assertEquals(m, decode(ControlCodec.encode(m)));
        }
        Data data = (Data) decode(ControlCodec.encode(new Data(new byte[] {1, 2, 3})));
        assertArrayEquals(new byte[] {1, 2, 3}, data.bytes());
    }

    @Test
    void everyTruncationOfEveryMessageIsRefused() {
        List<ControlMessage> messages = List.of(new Hello(ControlCodec.MAGIC, 1), new RegisterRequest("pc.ram", 1),
                new RegisterResult(3, 4096, "tern-shm-12-3-00000000deadbeef"),
                new ZeroRanges(1, List.of(new Range(0, 4096))), new ChunksDone(5, 6));
        for (ControlMessage m : messages) {
            ByteBuffer frame = ControlCodec.encode(m);
            int type = ControlCodec.type(frame);
            for (int cut = 0; cut < frame.limit() - ControlCodec.HEADER; cut++) {
                ByteBuffer payload = frame.slice(ControlCodec.HEADER, cut);
                assertThrows(ProtocolException.class, () -> ControlCodec.decode(type, payload), m + " cut to " + cut);
            }
            ByteBuffer longer = ByteBuffer.allocate(frame.limit() - ControlCodec.HEADER + 1);
            longer.put(frame.slice(ControlCodec.HEADER, frame.limit() - ControlCodec.HEADER)).rewind();
            assertThrows(ProtocolException.class, () -> ControlCodec.decode(type, longer), m + " with a byte too many");
        }
    }

    @Test
    void invalidFieldsAreRefused() {
        assertThrows(ProtocolException.class, () -> decode(ControlCodec.encode(new RegisterRequest("a/b", 1))));
        assertThrows(ProtocolException.class, () -> decode(ControlCodec.encode(new RegisterRequest("ram", 0))));
        assertThrows(ProtocolException.class, () -> decode(ControlCodec.encode(new RegisterResult(-1, 1, "tern-shm-1-1-0000000000000000"))));
        assertThrows(ProtocolException.class, () -> decode(ControlCodec.encode(new RegisterResult(0, 1, "/etc/passwd"))));
        assertThrows(ProtocolException.class, () -> decode(ControlCodec.encode(new ZeroRanges(0, List.of(new Range(-1, 1))))));
        assertThrows(ProtocolException.class, () -> decode(ControlCodec.encode(new ZeroRanges(0, List.of(new Range(0, 0))))));
        assertThrows(ProtocolException.class, () -> decode(ControlCodec.encode(new ZeroRanges(0, List.of()))));
        assertThrows(ProtocolException.class, () -> decode(ControlCodec.encode(new ChunksDone(-1, 0))));
        assertThrows(ProtocolException.class, () -> decode(ControlCodec.encode(new Data(new byte[0]))));
        ByteBuffer badUtf8 = ByteBuffer.allocate(8 + 3).putInt(3).putShort((short) 5).putShort((short) 0)
                .put(new byte[] {(byte) 0xff, (byte) 0xfe, 0}).flip();
        assertThrows(ProtocolException.class, () -> decode(badUtf8));
    }

    @Test
    void tooManyRangesAreRefused() {
        List<Range> ranges = new ArrayList<>();
        for (int i = 0; i <= ControlCodec.MAX_RANGES; i++) {
            ranges.add(new Range(i * 8192L, 4096));
        }
        assertThrows(ProtocolException.class, () -> decode(ControlCodec.encode(new ZeroRanges(0, ranges))));
    }

    @Test
    void zeroAnnouncementsMergeContiguousRangesAndSplitFullBatches() {
        ZeroAnnouncements z = new ZeroAnnouncements();
        assertNull(z.add(0, 0, 4096));
        assertNull(z.add(0, 4096, 4096));
        assertNull(z.add(0, 16384, 4096));
        ZeroRanges other = z.add(1, 0, 4096);
        assertEquals(new ZeroRanges(0, List.of(new Range(0, 8192), new Range(16384, 4096))), other);
        assertEquals(new ZeroRanges(1, List.of(new Range(0, 4096))), z.drain());
        ZeroRanges full = null;
        for (int i = 0; i <= ControlCodec.MAX_RANGES && full == null; i++) {
            full = z.add(2, i * 8192L, 4096);
        }
        assertEquals(ControlCodec.MAX_RANGES, full.ranges().size());
        assertEquals(1, z.drain().ranges().size());
    }

    private static ControlMessage decode(ByteBuffer frame) throws ProtocolException {
        int length = ControlCodec.payloadLength(frame);
        return ControlCodec.decode(ControlCodec.type(frame), frame.slice(ControlCodec.HEADER, length));
    }
}
