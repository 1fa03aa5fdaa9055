package dev.tern.devices.virtio;

import dev.tern.spi.io.PortIoSpace;
import dev.tern.spi.memory.GuestMemory;

import java.util.List;

/**
 * A legacy virtio PCI driver written as a guest would write it: it finds the device through PCI
 * configuration space, gives BAR0 an I/O address, negotiates features and lays out split rings in
 * guest RAM. Tests use it to drive devices exactly through guest-visible interfaces.
 */
final class LegacyVirtioDriver {

    /** PCI configuration space access (mechanism #1 or the bus directly). */
    interface ConfigAccess {
        int read(int slot, int offset, int size);

        void write(int slot, int offset, int size, int value);

        /** Mechanism #1 through ports 0xCF8/0xCFC. */
        static ConfigAccess mechanism1(PortIoSpace ports) {
            return new ConfigAccess() {
                @Override
                public int read(int slot, int offset, int size) {
                    ports.write(0xcf8, 4, 0x8000_0000 | slot << 11 | (offset & 0xfc));
                    return ports.read(0xcfc + (offset & 3), size);
                }

                @Override
                public void write(int slot, int offset, int size, int value) {
                    ports.write(0xcf8, 4, 0x8000_0000 | slot << 11 | (offset & 0xfc));
                    ports.write(0xcfc + (offset & 3), size, value);
                }
            };
        }
    }

    /** One buffer of a request. */
    record Buffer(long gpa, int length, boolean deviceWrites) {
    }

    static final int ACKNOWLEDGE = 1;
    static final int DRIVER = 2;
    static final int DRIVER_OK = 4;
    static final int NEEDS_RESET = 0x40;

    final PortIoSpace ports;
    final GuestMemory memory;
    final int ioBase;
    private final int[] queueSize = new int[8];
    private final long[] ring = new long[8];
    private final int[] nextDesc = new int[8];
    private final int[] availIdx = new int[8];
    private final int[] seenUsed = new int[8];

    /** Probes {@code slot}, places BAR0 at {@code ioBase} and enables I/O decode and bus mastering. */
    LegacyVirtioDriver(ConfigAccess config, int slot, PortIoSpace ports, GuestMemory memory, int ioBase) {
        this.ports = ports;
        this.memory = memory;
        this.ioBase = ioBase;
        if (config.read(slot, 0, 2) != 0x1af4) {
            throw new AssertionError("slot " + slot + " holds vendor 0x" + Integer.toHexString(config.read(slot, 0, 2)));
        }
        config.write(slot, 0x10, 4, ioBase);
        config.write(slot, 0x04, 2, 0x5);
    }

    int status() {
        return ports.read(ioBase + 0x12, 1);
    }

    void setStatus(int s) {
        ports.write(ioBase + 0x12, 1, s);
    }

    long deviceFeatures() {
        return ports.read(ioBase, 4) & 0xffff_ffffL;
    }

    /** Reset, acknowledge, accept {@code features} (masked by the device's) and set up queues. */
    long initialize(long wantedFeatures, long ringArea, int queues) {
        setStatus(0);
        setStatus(ACKNOWLEDGE);
        setStatus(ACKNOWLEDGE | DRIVER);
        long features = deviceFeatures() & wantedFeatures;
        ports.write(ioBase + 0x04, 4, (int) features);
        for (int q = 0; q < queues; q++) {
            setupQueue(q, ringArea + q * 0x10000L);
        }
        setStatus(ACKNOWLEDGE | DRIVER | DRIVER_OK);
        return features;
    }

    void setupQueue(int q, long area) {
        ports.write(ioBase + 0x0e, 2, q);
        int size = ports.read(ioBase + 0x0c, 2);
        queueSize[q] = size;
        ring[q] = area;
        memory.write(area, new byte[0x10000], 0, 0x10000);
        ports.write(ioBase + 0x08, 4, (int) (area >>> 12));
        nextDesc[q] = 0;
        availIdx[q] = 0;
        seenUsed[q] = 0;
    }

    long avail(int q) {
        return ring[q] + 16L * queueSize[q];
    }

    long used(int q) {
        return (avail(q) + 6 + 2L * queueSize[q] + 4095) & -4096L;
    }

    /** Puts a chain of {@code buffers} into queue {@code q}'s available ring; returns its head. */
    int submit(int q, List<Buffer> buffers) {
        int head = nextDesc[q];
        for (int i = 0; i < buffers.size(); i++) {
            int d = (head + i) % queueSize[q];
            Buffer b = buffers.get(i);
            long at = ring[q] + 16L * d;
            memory.writeU64(at, b.gpa());
            memory.writeU32(at + 8, b.length());
            boolean last = i == buffers.size() - 1;
            memory.writeU16(at + 12, (last ? 0 : 1) | (b.deviceWrites() ? 2 : 0));
            memory.writeU16(at + 14, (d + 1) % queueSize[q]);
        }
        nextDesc[q] = (head + buffers.size()) % queueSize[q];
        memory.writeU16(avail(q) + 4 + 2L * (availIdx[q] % queueSize[q]), head);
        availIdx[q] = (availIdx[q] + 1) & 0xffff;
        memory.writeU16(avail(q) + 2, availIdx[q]);
        return head;
    }

    void notify(int q) {
        ports.write(ioBase + 0x10, 2, q);
    }

    int usedIndex(int q) {
        return memory.readU16(used(q) + 2);
    }

    /** The next used element not yet consumed, as {id, len}, or null. */
    long[] takeUsed(int q) {
        if (usedIndex(q) == seenUsed[q]) {
            return null;
        }
        long e = used(q) + 4 + 8L * (seenUsed[q] % queueSize[q]);
        seenUsed[q] = (seenUsed[q] + 1) & 0xffff;
        return new long[] {memory.readU32(e) & 0xffff_ffffL, memory.readU32(e + 4) & 0xffff_ffffL};
    }

    int readIsr() {
        return ports.read(ioBase + 0x13, 1);
    }

    int configByte(int offset) {
        return ports.read(ioBase + 0x14 + offset, 1);
    }

    long configU64(int offset) {
        return (ports.read(ioBase + 0x14 + offset, 4) & 0xffff_ffffL)
                | (long) ports.read(ioBase + 0x18 + offset, 4) << 32;
    }
}
