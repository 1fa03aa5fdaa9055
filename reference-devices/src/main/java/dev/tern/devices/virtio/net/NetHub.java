package dev.tern.devices.virtio.net;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * An in-process Ethernet hub: every frame a port sends is delivered to every other port of the
 * same hub, like a repeater. Hubs are found by name, so network devices of several machines in one
 * JVM join the same segment by naming the same hub.
 */
public final class NetHub {

    private static final Map<String, NetHub> HUBS = new ConcurrentHashMap<>();

    private final String name;
    private final List<Port> ports = new CopyOnWriteArrayList<>();

    private NetHub(String name) {
        this.name = name;
    }

    /** The hub called {@code name}, created on first use. */
    public static NetHub named(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a network hub needs a name");
        }
        return HUBS.computeIfAbsent(name, NetHub::new);
    }

    /** The hub's name. */
    public String name() {
        return name;
    }

    /** Plugs in a new port. */
    public Port join() {
        Port p = new Port(this);
        ports.add(p);
        return p;
    }

    /** Ports plugged in now. */
    public int portCount() {
        return ports.size();
    }

    private void broadcast(Port from, byte[] frame) {
        for (Port p : ports) {
            if (p != from) {
                p.deliver(frame.clone());
            }
        }
    }

    /** One port of a hub: a device's backend. */
    public static final class Port implements NetBackend {
        private final NetHub hub;
        private volatile Consumer<byte[]> receiver;

        private Port(NetHub hub) {
            this.hub = hub;
        }

        @Override
        public void start(Consumer<byte[]> receiver) {
            this.receiver = receiver;
        }

        @Override
        public void send(byte[] frame) {
            hub.broadcast(this, frame);
        }

        private void deliver(byte[] frame) {
            Consumer<byte[]> r = receiver;
            if (r != null) {
                r.accept(frame);
            }
        }

        @Override
        public void close() {
            receiver = null;
            hub.ports.remove(this);
        }
    }
}
