package dev.tern.kernel.ft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tern.testkit.fuzz.HostileInput;
import dev.tern.testkit.fuzz.SeedCorpus;
import dev.tern.testkit.transport.BytesConnection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * FT frames from a hostile peer, read with {@link FtWire#receive} until the bytes run out: each
 * message is read or refused with an {@link IOException} naming the wire and the byte offset, no
 * read allocates more than its kind's bound, and every message read sends back as exactly the bytes
 * it came from. Seeds are real message sequences (a handshake, a checkpoint, lease traffic).
 */
class FtWireFuzzTest {

    private static final Pattern WHERE = Pattern.compile("^ft wire: .*(at byte \\d+|allowed)");

    @Test
    void seedsAreRealMessageSequences() throws IOException {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("checkpoint", sent(w -> {
            w.send(FtMessage.HEARTBEAT);
            w.send(FtMessage.CHECKPOINT_BEGIN, ByteBuffer.allocate(28).putLong(7).putLong(3).putLong(12).putInt(0x1234).flip());
            w.send(FtMessage.CHECKPOINT_DATA, ByteBuffer.wrap("twelve bytes".getBytes()));
            w.sendLong(FtMessage.CHECKPOINT_END, 7);
            w.sendLong(FtMessage.ACK, 7);
            w.sendReleased(7, 12);
        }));
        seeds.put("lease", sent(w -> {
            w.send(FtMessage.LEASE_REQUEST, ByteBuffer.allocate(17).putLong(42).putLong(3000).put((byte) 1).flip());
            w.send(FtMessage.LEASE_DENIED, ByteBuffer.allocate(16).putLong(41).putLong(1200).flip());
            w.send(FtMessage.REFUSED, "checkpoint 8 does not verify");
        }));
        SeedCorpus.check(FtWireFuzzTest.class, "receive", seeds);
    }

    private interface Sends {
        void on(FtWire w) throws IOException;
    }

    private static byte[] sent(Sends sends) throws IOException {
        var c = new BytesConnection(new byte[0]);
        sends.on(new FtWire(c));
        return c.written();
    }

    @FuzzTest
    void receive(byte[] wire) throws IOException {
        List<FtWire.Message> read = new ArrayList<>();
        Optional<IOException> refused = HostileInput.parse(IOException.class, WHERE, (1 << 20) + (64 << 10), () -> {
            read.clear();
            FtWire w = new FtWire(new BytesConnection(wire));
            while (true) {
                read.add(w.receive());
            }
        });
        assertEquals(true, refused.isPresent(), "reading ends with the end of the bytes");
        byte[] again = sent(w -> {
            for (FtWire.Message m : read) {
                w.send(m.kind(), m.payload().duplicate());
            }
        });
        assertEquals(ByteBuffer.wrap(wire, 0, again.length), ByteBuffer.wrap(again), "messages send back as their bytes");
    }
}
