package dev.tern.testkit.io;

import dev.tern.spi.Registration;
import dev.tern.spi.io.PortIoHandler;
import dev.tern.spi.io.PortIoSpace;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A 64 KiB port space over a plain array of handlers, for tests. An access is dispatched whole to
 * the handler claiming its first port, as a PC chipset does for the devices tests exercise.
 */
public final class ArrayPortSpace implements PortIoSpace {

    private static final int PORTS = 0x10000;

    private final PortIoHandler[] handlers = new PortIoHandler[PORTS];
    private final String[] owners = new String[PORTS];

    @Override
    public synchronized Registration register(String owner, int base, int count, PortIoHandler handler) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(handler, "handler");
        if (base < 0 || count <= 0 || base + count > PORTS) {
            throw new IllegalArgumentException(owner + ": port range 0x" + Integer.toHexString(base)
                    + "+" + count + " is outside the 64 KiB port space");
        }
        for (int p = base; p < base + count; p++) {
            if (handlers[p] != null) {
                throw new IllegalStateException(owner + ": port 0x" + Integer.toHexString(p)
                        + " is already claimed by " + owners[p]);
            }
        }
        for (int p = base; p < base + count; p++) {
            handlers[p] = handler;
            owners[p] = owner;
        }
        return () -> release(base, count, handler);
    }

    private synchronized void release(int base, int count, PortIoHandler handler) {
        for (int p = base; p < base + count; p++) {
            if (handlers[p] == handler) {
                handlers[p] = null;
                owners[p] = null;
            }
        }
    }

    @Override
    public int read(int port, int size) {
        PortIoHandler h = handler(port, size);
        return h == null ? allOnes(size) : h.read(port, size) & mask(size);
    }

    @Override
    public void write(int port, int size, int value) {
        PortIoHandler h = handler(port, size);
        if (h != null) {
            h.write(port, size, value & mask(size));
        }
    }

    /** Reads one byte: the common case in tests. */
    public int in(int port) {
        return read(port, 1);
    }

    /** Writes one byte. */
    public void out(int port, int value) {
        write(port, 1, value);
    }

    /** Every claimed port, ascending. */
    public synchronized List<Integer> claimedPorts() {
        List<Integer> ports = new ArrayList<>();
        for (int p = 0; p < PORTS; p++) {
            if (handlers[p] != null) {
                ports.add(p);
            }
        }
        return ports;
    }

    /** The owner of {@code port}, or null. */
    public synchronized String owner(int port) {
        return owners[port & 0xffff];
    }

    private synchronized PortIoHandler handler(int port, int size) {
        if (port < 0 || port >= PORTS) {
            throw new IllegalArgumentException("port 0x" + Integer.toHexString(port) + " is outside the port space");
        }
        if (size != 1 && size != 2 && size != 4) {
            throw new IllegalArgumentException("port access size " + size + " is not 1, 2 or 4");
        }
        return handlers[port];
    }

    private static int mask(int size) {
        return size == 4 ? -1 : (1 << (size * 8)) - 1;
    }

    private static int allOnes(int size) {
        return mask(size);
    }
}
