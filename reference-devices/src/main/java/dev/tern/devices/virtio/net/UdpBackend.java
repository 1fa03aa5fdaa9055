package dev.tern.devices.virtio.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Ethernet frames carried one per UDP datagram between a local and a remote address, as QEMU's
 * {@code -netdev dgram} does. A daemon thread receives; a received datagram goes to the receiver,
 * which must hand it to the machine through its event path.
 *
 * <p>A datagram the host refuses once (no route yet, a port-unreachable from a peer not up yet, no
 * buffer) is a frame lost on the wire, as QEMU's datagram backend treats it: counted
 * ({@link #framesLost()}, with the last error) and not a failure. A socket that is gone — closed
 * under a send, as an interrupt of the sending thread closes a JDK channel — can send nothing
 * more: that is {@link #failure()}, so the machine stops rather than run on with no network.
 */
public final class UdpBackend implements NetBackend {

    /** The largest frame carried (an Ethernet frame with VLAN tag, rounded up, or a jumbo frame). */
    public static final int MAX_FRAME = 65535;

    private final DatagramChannel channel;
    private final InetSocketAddress remote;
    private final String name;
    private Thread receiverThread;
    private final String bound;
    private volatile String broken;
    private long framesLost;
    private String lastLoss;

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
            this.bound = String.valueOf(channel.getLocalAddress());
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
        if (broken != null) {
            return;
        }
        try {
            channel.send(ByteBuffer.wrap(frame), remote);
        } catch (ClosedChannelException e) {
            broken = name + ": UDP socket " + bound + " -> " + remote + " is closed ("
                    + e.getClass().getSimpleName() + "); no frame can be sent";
        } catch (IOException e) {
            synchronized (this) {
                framesLost++;
                lastLoss = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            }
        }
    }

    @Override
    public Optional<String> failure() {
        return Optional.ofNullable(broken);
    }

    /** Frames the host refused to send once (lost as on a wire). */
    public synchronized long framesLost() {
        return framesLost;
    }

    /** The OS error of the last frame lost; empty while none was. */
    public synchronized Optional<String> lastLoss() {
        return Optional.ofNullable(lastLoss);
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
