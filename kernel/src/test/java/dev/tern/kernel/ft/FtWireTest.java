package dev.tern.kernel.ft;

import dev.tern.spi.transport.Connection;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fault-tolerance wire refuses hostile framing before allocating, naming kind and offset. */
class FtWireTest {

    /** A connection reading fixed bytes. */
    private static Connection reading(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        return new Connection() {
            @Override
            public String peer() {
                return "test";
            }

            @Override
            public int read(ByteBuffer dst) {
                if (!in.hasRemaining()) {
                    return -1;
                }
                int n = Math.min(dst.remaining(), in.remaining());
                dst.put(in.slice(in.position(), n));
                in.position(in.position() + n);
                return n;
            }

            @Override
            public int write(ByteBuffer src) {
                int n = src.remaining();
                src.position(src.limit());
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
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
}
