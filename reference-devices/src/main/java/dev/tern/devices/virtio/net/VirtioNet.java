package dev.tern.devices.virtio.net;

import dev.tern.devices.virtio.DescriptorChain;
import dev.tern.devices.virtio.RingException;
import dev.tern.devices.virtio.Virtqueue;
import dev.tern.devices.virtio.VirtioModel;
import dev.tern.devices.virtio.VirtioTransport;
import dev.tern.spi.device.OutputKind;
import dev.tern.spi.replay.ReplayEvent;
import dev.tern.spi.state.StateSection;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A virtio network card: queue 0 receives, queue 1 transmits; every buffer starts with a
 * virtio_net_hdr (10 bytes, or 12 with VERSION_1 or MRG_RXBUF) that this device leaves all zero on
 * receive (no offloads offered) and skips on transmit.
 */
public final class VirtioNet implements VirtioModel {

    /** Queue entries. */
    public static final int QUEUE_SIZE = 256;
    /** Frames held while the guest has no receive buffers; more are dropped. */
    public static final int MAX_PENDING = 64;
    /** The largest frame accepted in either direction. */
    public static final int MAX_FRAME = 65535;
    static final int RX = 0;
    static final int TX = 1;
    static final int F_MAC = 5;
    static final int F_MRG_RXBUF = 15;
    static final int F_STATUS = 16;
    static final int F_ANY_LAYOUT = 27;
    static final int F_VERSION_1 = 32;
    static final int LINK_UP = 1;

    private final MacAddress mac;
    private final NetBackend backend;
    private Consumer<byte[]> output;
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    private VirtioTransport transport;
    private long received;
    private long transmitted;
    private long rxDropped;
    private long txDropped;

    /** A card with address {@code mac} attached to {@code backend}. */
    public VirtioNet(MacAddress mac, NetBackend backend) {
        this.mac = mac;
        this.backend = backend;
    }

    /** The backend (e.g. to learn a UDP backend's bound address). */
    public NetBackend backend() {
        return backend;
    }

    @Override
    public int deviceType() {
        return 1;
    }

    @Override
    public int transitionalPciDeviceId() {
        return 0x1000;
    }

    @Override
    public int pciClass() {
        return 0x020000;
    }

    @Override
    public long features() {
        return 1L << F_MAC | 1L << F_STATUS | 1L << F_ANY_LAYOUT;
    }

    @Override
    public List<Integer> queueSizes() {
        return List.of(QUEUE_SIZE, QUEUE_SIZE);
    }

    @Override
    public byte[] config() {
        byte[] c = new byte[8];
        System.arraycopy(mac.bytes(), 0, c, 0, 6);
        c[6] = LINK_UP;
        return c;
    }

    @Override
    public void attach(VirtioTransport transport) {
        this.transport = transport;
    }

    @Override
    public void realize() {
        // Host input enters device state only through the machine's input path: bound to an
        // instruction count, recorded, and fed from the log in a replay.
        Consumer<ReplayEvent.NetFrame> input = transport.machine().inputs(ReplayEvent.NetFrame.class,
                f -> transport.locked(() -> receive(f.frame())));
        backend.start(frame -> input.accept(new ReplayEvent.NetFrame("net", frame)));
        // transmitted frames leave through the machine's output path (fault tolerance may hold them)
        output = transport.machine().outputs(OutputKind.NET, new NetBackendSink(backend));
    }

    private int headerLength() {
        return transport.negotiated(F_VERSION_1) || transport.negotiated(F_MRG_RXBUF) ? 12 : 10;
    }

    /** A frame from the backend, on the machine's event path. */
    void receive(byte[] frame) throws RingException {
        if (!transport.running() || frame.length > MAX_FRAME || pending.size() >= MAX_PENDING) {
            rxDropped++;
            return;
        }
        pending.addLast(frame);
        deliverPending();
    }

    private void deliverPending() throws RingException {
        Virtqueue q = transport.queue(RX);
        boolean any = false;
        while (!pending.isEmpty() && transport.running()) {
            Optional<DescriptorChain> c = q.pop();
            if (c.isEmpty()) {
                break;
            }
            byte[] frame = pending.removeFirst();
            int hdr = headerLength();
            int written = 0;
            if (c.get().writableLength() < hdr + frame.length) {
                rxDropped++;
            } else {
                byte[] header = new byte[hdr];
                if (hdr == 12) {
                    header[10] = 1; // num_buffers: the frame fits one buffer
                }
                c.get().write(transport.memory(), 0, header, 0, hdr);
                c.get().write(transport.memory(), hdr, frame, 0, frame.length);
                written = hdr + frame.length;
                received++;
            }
            q.push(c.get(), written);
            any = true;
        }
        if (any) {
            transport.usedBuffers(q);
        }
    }

    @Override
    public void queueNotified(int queue) throws RingException {
        if (queue == RX) {
            deliverPending();
        } else if (queue == TX) {
            transmit();
        }
    }

    private void transmit() throws RingException {
        Virtqueue q = transport.queue(TX);
        boolean any = false;
        for (Optional<DescriptorChain> c = q.pop(); c.isPresent(); c = q.pop()) {
            long length = c.get().readableLength() - headerLength();
            if (length < 14 || length > MAX_FRAME) {
                txDropped++;
            } else {
                byte[] frame = new byte[(int) length];
                c.get().read(transport.memory(), headerLength(), frame, 0, frame.length);
                output.accept(frame);
                transmitted++;
            }
            q.push(c.get(), 0);
            any = true;
        }
        if (any) {
            transport.usedBuffers(q);
        }
    }

    @Override
    public void driverReady() throws RingException {
        deliverPending();
    }

    @Override
    public void reset() {
        pending.clear();
    }

    @Override
    public void powerOff() {
        backend.close();
    }

    /** Frames dropped on receive so far. */
    public long rxDropped() {
        return rxDropped;
    }

    /** Frames delivered to the guest so far. */
    public long received() {
        return received;
    }

    /** Frames sent to the backend so far. */
    public long transmitted() {
        return transmitted;
    }

    @Override
    public List<StateSection<?>> sections() {
        return List.of(new StateSection<VirtioNetState>() {
            @Override
            public String name() {
                return "virtio-net";
            }

            @Override
            public String instance() {
                return transport.name();
            }

            @Override
            public Class<VirtioNetState> stateType() {
                return VirtioNetState.class;
            }

            @Override
            public VirtioNetState save() {
                VirtioNetState[] s = new VirtioNetState[1];
                transport.locked(() -> s[0] = new VirtioNetState(
                        pending.stream().map(f -> new VirtioNetState.Frame(f.clone())).toList(),
                        received, transmitted, rxDropped, txDropped));
                return s[0];
            }

            @Override
            public Optional<String> validate(VirtioNetState s) {
                if (s.pending() == null || s.pending().size() > MAX_PENDING) {
                    return Optional.of(transport.name() + ": more than " + MAX_PENDING + " pending frames");
                }
                for (VirtioNetState.Frame f : s.pending()) {
                    if (f == null || f.data() == null || f.data().length > MAX_FRAME) {
                        return Optional.of(transport.name() + ": a pending frame is missing or larger than " + MAX_FRAME);
                    }
                }
                if ((s.received() | s.transmitted() | s.rxDropped() | s.txDropped()) < 0) {
                    return Optional.of(transport.name() + ": negative counter");
                }
                return Optional.empty();
            }

            @Override
            public void load(VirtioNetState s) {
                transport.locked(() -> {
                    pending.clear();
                    s.pending().forEach(f -> pending.addLast(f.data().clone()));
                    received = s.received();
                    transmitted = s.transmitted();
                    rxDropped = s.rxDropped();
                    txDropped = s.txDropped();
                });
            }
        });
    }
}
