package dev.tern.devices.virtio.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.function.Consumer;

/**
 * Ethernet frames carried one per UDP datagram between a local and a remote address, as QEMU's
 * {@code -netdev dgram} does. A daemon thread receives; a received datagram goes to the receiver,
 * which must hand it to the machine through its event path.
 */
public final class UdpBackend implements NetBackend {

    /** The largest frame carried (an Ethernet frame with VLAN tag, rounded up, or a jumbo frame). */
    public static final int MAX_FRAME = 65535;

    private final DatagramChannel channel;
    private final InetSocketAddress remote;
    private final String name;
    private Thread receiverThread;

    /**
     * Binds {@code local} (port 0 picks one) and sends to {@code remote}.
     *
     * @throws UncheckedIOException naming the address when it cannot be bound
     */
    public UdpBackend(String name, InetSocketAddress local, InetSocketAddress remote) {
        this.name = name;
        this.remote = remote;
        try {
            this.channel = DatagramChannel.open();
            channel.bind(local);
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": cannot bind UDP " + local + ": " + e.getMessage(), e);
        }
    }

    /** The address actually bound. */
    public InetSocketAddress localAddress() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void start(Consumer<byte[]> receiver) {
        if (receiverThread != null) {
            return;
        }
        receiverThread = Thread.ofPlatform().daemon().name(name + "-udp-rx").start(() -> receive(receiver));
    }

    private void receive(Consumer<byte[]> receiver) {
        ByteBuffer buf = ByteBuffer.allocate(MAX_FRAME);
        while (channel.isOpen()) {
            try {
                buf.clear();
                SocketAddress from = channel.receive(buf);
                if (from != null && buf.position() > 0) {
                    byte[] frame = new byte[buf.position()];
                    buf.flip().get(frame);
                    receiver.accept(frame);
                }
            } catch (ClosedChannelException closed) {
                return;
            } catch (IOException e) {
                // An ICMP port-unreachable from a peer that is not up yet surfaces here on some
                // systems; the link stays up and later datagrams are received.
                if (!channel.isOpen()) {
                    return;
                }
            }
        }
    }

    @Override
    public void send(byte[] frame) {
        try {
            channel.send(ByteBuffer.wrap(frame), remote);
        } catch (IOException e) {
            // A lost datagram is a lost frame, as on a real wire; the guest's protocols retransmit.
        }
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            t = receiverThread;
        }
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": closing UDP socket: " + e.getMessage(), e);
        }
        if (t != null) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
