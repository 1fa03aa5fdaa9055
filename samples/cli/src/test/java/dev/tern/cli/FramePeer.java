package dev.tern.cli;

import dev.tern.kernel.machine.DeviceSpec;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The far end of a virtio-net card's UDP backend (QEMU's {@code -netdev dgram}): a real socket on
 * loopback that sends the guest 10.0.2.15 frames as 10.0.2.2 — an ARP request, ICMP echo requests —
 * waits for each answer, and keeps every frame the card sent it, in order.
 */
final class FramePeer implements AutoCloseable {

    static final byte[] GUEST_MAC = HexFormat.ofDelimiter(":").parseHex("52:54:00:12:34:56");
    static final byte[] PEER_MAC = HexFormat.ofDelimiter(":").parseHex("52:54:00:00:00:02");
    static final byte[] GUEST_IP = {10, 0, 2, 15};
    static final byte[] PEER_IP = {10, 0, 2, 2};

    private final DatagramChannel socket;
    private final InetSocketAddress card;
    /** Frames sent to the card, in order. */
    final List<byte[]> sent = new ArrayList<>();
    /** Frames the card sent, hex, in order; {@link #take} hands them over. */
    private List<String> received = new ArrayList<>();

    FramePeer() throws IOException {
        int cardPort;
        try (DatagramSocket free = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            cardPort = free.getLocalPort(); // released just before the card binds it
        }
        card = new InetSocketAddress(InetAddress.getLoopbackAddress(), cardPort);
        socket = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.socket().setSoTimeout(60_000); // bounds a wait for an answer that never comes: a failure, not a pace
    }

    /** The virtio-net card whose UDP backend talks to this peer. */
    DeviceSpec card() throws IOException {
        return new DeviceSpec("virtio-net", "net0", Map.of("backend", "udp", "local", "127.0.0.1:" + card.getPort(), "remote",
                "127.0.0.1:" + ((InetSocketAddress) socket.getLocalAddress()).getPort(), "mac", "52:54:00:12:34:56"));
    }

    /** "Who has 10.0.2.15?" — returns once the guest answered. */
    void arp() throws IOException {
        var b = ethernet(new byte[] {-1, -1, -1, -1, -1, -1}, 0x0806, 28);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1)
                .put(PEER_MAC).put(PEER_IP).put(new byte[6]).put(GUEST_IP);
        send(b.array());
        await(f -> f.length >= 42 && type(f) == 0x0806 && (f[21] & 0xff) == 2, "an ARP reply");
    }

    /** An ICMP echo request with sequence number {@code seq} — returns once the guest replied. */
    void ping(int seq) throws IOException {
        byte[] payload = ("tern replay frame " + seq + " ......").getBytes(StandardCharsets.US_ASCII);
        var icmp = ByteBuffer.allocate(8 + payload.length).put((byte) 8).put((byte) 0).putShort((short) 0)
                .putShort((short) 0x7e57).putShort((short) seq).put(payload);
        icmp.putShort(2, checksum(icmp.array()));
        var ip = ByteBuffer.allocate(20).put((byte) 0x45).put((byte) 0).putShort((short) (20 + icmp.capacity()))
                .putShort((short) (0x1000 + seq)).putShort((short) 0x4000).put((byte) 64).put((byte) 1).putShort((short) 0)
                .put(PEER_IP).put(GUEST_IP);
        ip.putShort(10, checksum(ip.array()));
        send(ethernet(GUEST_MAC, 0x0800, 20 + icmp.capacity()).put(ip.array()).put(icmp.array()).array());
        await(f -> f.length >= 42 && type(f) == 0x0800 && f[23] == 1 && f[34] == 0 && ((f[40] & 0xff) << 8 | f[41] & 0xff) == seq,
                "echo reply " + seq);
    }

    /**
     * The frames the card sent since the last call. Call once the machine exited: everything it
     * sent is in the socket's buffer by then (the card sends on the vCPU's thread).
     */
    List<String> take() throws IOException {
        socket.configureBlocking(false);
        try {
            var buf = ByteBuffer.allocate(2048);
            while (socket.receive(buf.clear()) != null) {
                received.add(HexFormat.of().formatHex(buf.array(), 0, buf.position()));
            }
        } finally {
            socket.configureBlocking(true);
        }
        List<String> all = received;
        received = new ArrayList<>();
        return all;
    }

    private void send(byte[] frame) throws IOException {
        sent.add(frame);
        socket.send(ByteBuffer.wrap(frame), card);
    }

    /** Receives frames (keeping each) until one matches; the socket's timeout fails a lost answer. */
    private void await(Predicate<byte[]> wanted, String what) throws IOException {
        var packet = new DatagramPacket(new byte[2048], 2048);
        while (true) {
            try {
                socket.socket().receive(packet);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no " + what + " from the guest within 60 s; frames so far: " + received, e);
            }
            byte[] f = Arrays.copyOf(packet.getData(), packet.getLength());
            received.add(HexFormat.of().formatHex(f));
            if (wanted.test(f)) {
                return;
            }
        }
    }

    private static int type(byte[] f) {
        return (f[12] & 0xff) << 8 | f[13] & 0xff;
    }

    private static ByteBuffer ethernet(byte[] dst, int type, int length) {
        return ByteBuffer.allocate(Math.max(60, 14 + length)).put(dst).put(PEER_MAC).putShort((short) type);
    }

    /** The Internet checksum (RFC 1071). */
    private static short checksum(byte[] data) {
        long sum = 0;
        for (int i = 0; i < data.length; i += 2) {
            sum += (data[i] & 0xff) << 8 | (i + 1 < data.length ? data[i + 1] & 0xff : 0);
        }
        while (sum >> 16 != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (short) ~sum;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
