package dev.tern.transport.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.testkit.codec.ProviderConfig;
import dev.tern.transport.shm.ControlMessage.Hello;
import dev.tern.transport.shm.ControlMessage.Range;
import dev.tern.transport.shm.ControlMessage.RegisterResult;
import dev.tern.transport.shm.ControlMessage.ZeroRanges;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer that speaks the control protocol badly or maliciously, written frame by frame on a raw
 * socket: every violation must end in a {@link ProtocolException} (or an IOException) that says
 * what was wrong, never in a write outside a region or a mapping of a foreign file.
 */
class ShmHostilePeerTest {

    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    private ServerSocketChannel server;
    private SocketChannel fake;
    private ShmConnection shm;
    private final Arena arena = Arena.ofShared();

    @BeforeEach
    void connect() throws IOException {
        Path socket = dir.resolve("hostile.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        ShmTransportProvider provider = new ShmTransportProvider();
        shm = provider.connect("unix:" + socket, ProviderConfig.of(provider, Map.of("dir", dir.toString(), "io-timeout", "10s")));
        fake = server.accept();
    }

    @AfterEach
    void close() throws IOException {
        shm.close();
        fake.close();
        server.close();
        arena.close();
    }

    @Test
    void oversizedMessageIsRefusedBeforeAnyAllocation() throws IOException {
        hello();
        send(rawHeader(0x7fff_ffff, 2));
        assertFails("exceeds the limit");
    }

    @Test
    void unknownTypeIsNamed() throws IOException {
        hello();
        send(rawHeader(0, 99));
        assertFails("unknown control message type 99");
    }

    @Test
    void reservedBitsAreRefused() throws IOException {
        hello();
        ByteBuffer h = rawHeader(0, 8);
        h.putShort(6, (short) 1);
        send(h);
        assertFails("reserved bits");
    }

    @Test
    void anythingBeforeTheHelloIsRefused() throws IOException {
        send(ControlCodec.encode(new ControlMessage.Data(new byte[] {1})));
        assertFails("expected a hello");
    }

    @Test
    void aForeignProtocolIsRefused() throws IOException {
        send(ControlCodec.encode(new Hello(0x1234, 1)));
        assertFails("not an shm peer");
    }

    @Test
    void zeroRangeOutsideTheExposedRegionIsRefused() throws IOException {
        shm.expose("ram", MIB, arena);
        hello();
        send(ControlCodec.encode(new ZeroRanges(0, List.of(new Range(MIB - 10, 100)))));
        assertFails("outside region 'ram'");
    }

    @Test
    void zeroRangeWithOverflowingEndIsRefused() throws IOException {
        shm.expose("ram", MIB, arena);
        hello();
        send(ControlCodec.encode(new ZeroRanges(0, List.of(new Range(16, Long.MAX_VALUE)))));
        assertFails("outside region");
    }

    @Test
    void zeroRangeOfAnUnexposedRegionIsRefused() throws IOException {
        hello();
        send(ControlCodec.encode(new ZeroRanges(3, List.of(new Range(0, 4096)))));
        assertFails("region id 3");
    }

    @Test
    void truncatedZeroAnnouncementIsRefused() throws IOException {
        hello();
        ByteBuffer frame = ControlCodec.encode(new ZeroRanges(0, List.of(new Range(0, 4096))));
        frame.putInt(0, frame.getInt(0) - 8);
        frame.limit(frame.limit() - 8);
        send(frame);
        assertFails("carries");
    }

    @Test
    void unsolicitedRegistrationAnswerIsRefused() throws IOException {
        hello();
        send(ControlCodec.encode(new RegisterResult(0, MIB, "tern-shm-1-1-0123456789abcdef")));
        assertFails("nobody asked for");
    }

    @Test
    void registrationAnswerNamingAPathOutsideTheDirectoryIsRefused() throws IOException {
        hello();
        ByteBuffer frame = registerResultFrame("../../../etc/passwd");
        IOException e = registerAgainst(frame);
        assertTrue(e.getMessage().contains("is not a valid region"), e.getMessage());
    }

    @Test
    void registrationAnswerNamingASymlinkIsRefused() throws IOException {
        Path victim = Files.write(dir.resolve("victim"), new byte[(int) MIB]);
        Files.createSymbolicLink(dir.resolve("tern-shm-1-1-0123456789abcdef"), victim);
        hello();
        registerAgainst(registerResultFrame("tern-shm-1-1-0123456789abcdef"));
        assertEquals(0, Files.readAllBytes(victim)[0]);
    }

    @Test
    void registrationAnswerWithAFileOfAnotherSizeIsRefused() throws IOException {
        Files.write(dir.resolve("tern-shm-1-1-0123456789abcdef"), new byte[100]);
        hello();
        IOException e = registerAgainst(registerResultFrame("tern-shm-1-1-0123456789abcdef"));
        assertTrue(e.getMessage().contains("holds 100 bytes"), e.getMessage());
    }

    @Test
    void endOfStreamInsideAMessageIsATruncation() throws IOException {
        hello();
        ByteBuffer frame = ControlCodec.encode(new ControlMessage.Data(new byte[100]));
        frame.limit(50);
        send(frame);
        fake.shutdownOutput();
        assertFails("truncated");
    }

    @Test
    void aPeerThatVanishesWithoutCompletingIsAnError() throws IOException {
        hello();
        send(ControlCodec.encode(new ControlMessage.Data(new byte[] {5})));
        fake.shutdownOutput();
        ByteBuffer one = ByteBuffer.allocate(1);
        assertEquals(1, shm.read(one));
        assertFails("without completing");
    }

    @Test
    void failuresAreStickyBecauseFrameBoundariesAreLost() throws IOException {
        hello();
        send(rawHeader(0, 99));
        assertFails("type 99");
        assertFails("type 99");
    }

    private IOException registerAgainst(ByteBuffer answer) throws IOException {
        // The request is in the socket buffer before the answer is read, so sending first is safe.
        send(answer);
        return assertThrows(IOException.class, () -> shm.register("ram", MIB));
    }

    private static ByteBuffer registerResultFrame(String fileName) {
        byte[] name = fileName.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + 14 + name.length);
        b.putInt(14 + name.length).putShort((short) 4).putShort((short) 0);
        b.putInt(0).putLong(MIB).putShort((short) name.length).put(name);
        return b.flip();
    }

    private void assertFails(String expected) {
        IOException e = assertThrows(IOException.class, () -> shm.read(ByteBuffer.allocate(8)));
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
        assertTrue(e.getMessage().contains(shm.peer()), () -> "the message must name the peer: " + e.getMessage());
    }

    private void hello() throws IOException {
        send(ControlCodec.encode(new Hello(ControlCodec.MAGIC, ControlCodec.VERSION)));
    }

    private void send(ByteBuffer frame) throws IOException {
        while (frame.hasRemaining()) {
            fake.write(frame);
        }
    }

    private static ByteBuffer rawHeader(int length, int type) {
        return ByteBuffer.allocate(8).putInt(length).putShort((short) type).putShort((short) 0).flip();
    }
}
