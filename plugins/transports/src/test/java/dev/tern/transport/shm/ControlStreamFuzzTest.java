package dev.tern.transport.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tern.testkit.fuzz.HostileInput;
import dev.tern.testkit.fuzz.SeedCorpus;
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
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A hostile peer's shm control stream, read frame by frame as the connection reads it (header,
 * length check, payload, decode): every frame is decoded or refused with a
 * {@link ProtocolException} that names the message and what is wrong, and every accepted message
 * encodes back to exactly the frame it came from, so nothing is read loosely. Seeds are real
 * message sequences from {@link ControlCodec#encode}.
 */
class ControlStreamFuzzTest {

    private static final Pattern WHAT = Pattern.compile(
            "control message|data message|region|registration|zero (announcement|range)|chunks-done");

    /** A source's side of a session and a destination's side, as the connection sends them. */
    @Test
    void seedsAreRealMessageSequences() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("source-session", frames(new Hello(ControlCodec.MAGIC, ControlCodec.VERSION),
                new RegisterRequest("pc.ram", 16L << 20), new Data("stream bytes".getBytes(StandardCharsets.US_ASCII)),
                new ZeroRanges(0, List.of(new Range(0, 4096), new Range(1 << 20, 64 << 10))),
                new ChunksDone(12 << 20, 4 << 20), new Complete()));
        seeds.put("destination-session", frames(new Hello(ControlCodec.MAGIC, ControlCodec.VERSION),
                new RegisterResult(0, 16L << 20, "tern-shm-4242-1-00c0ffee00c0ffee"),
                new RegisterError("region 'vga.vram' is not known here")));
        SeedCorpus.check(ControlStreamFuzzTest.class, "decode", seeds);
    }

    private static byte[] frames(ControlMessage... messages) {
        ByteBuffer out = ByteBuffer.allocate(1 << 16);
        for (ControlMessage m : messages) {
            out.put(ControlCodec.encode(m));
        }
        return Arrays.copyOf(out.array(), out.position());
    }

    @FuzzTest
    void decode(byte[] stream) {
        List<ControlMessage> accepted = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(stream);
        Optional<ProtocolException> refused = HostileInput.parse(ProtocolException.class, WHAT,
                ControlCodec.MAX_PAYLOAD * 3L, () -> {
                    accepted.clear();
                    in.position(0);
                    readAll(in, accepted);
                });
        ByteBuffer again = ByteBuffer.allocate(stream.length);
        for (ControlMessage m : accepted) {
            again.put(ControlCodec.encode(m));
        }
        int consumed = refused.isPresent() ? again.position() : stream.length;
        assertEquals(ByteBuffer.wrap(stream, 0, consumed), again.flip(),
                "accepted messages re-encode to the bytes they came from");
    }

    /** Reads frames the way {@code ShmConnection} does, until the input ends at a frame boundary. */
    private static void readAll(ByteBuffer in, List<ControlMessage> out) throws ProtocolException {
        while (in.hasRemaining()) {
            if (in.remaining() < ControlCodec.HEADER) {
                throw new ProtocolException("control message header cut after " + in.remaining() + " bytes");
            }
            ByteBuffer header = in.slice(in.position(), ControlCodec.HEADER);
            int length = ControlCodec.payloadLength(header);
            in.position(in.position() + ControlCodec.HEADER);
            if (in.remaining() < length) {
                throw new ProtocolException("control message payload cut: " + in.remaining() + " of " + length + " bytes");
            }
            ByteBuffer payload = ByteBuffer.wrap(new byte[length]);
            in.get(payload.array());
            out.add(ControlCodec.decode(ControlCodec.type(header), payload));
        }
    }
}
