package dev.tern.devices.isa;

import dev.tern.spi.io.PortIoHandler;

/**
 * An 8-bit ISA device's port range. The bus splits a 16- or 32-bit access into byte cycles on
 * consecutive ports, so a device only implements byte reads and writes; bytes that fall outside the
 * device's range read as all ones and are dropped on write, as nothing decodes them.
 */
public abstract class ByteWidePorts implements PortIoHandler {

    private final int base;
    private final int count;

    /** Ports {@code [base, base+count)}. */
    protected ByteWidePorts(int base, int count) {
        this.base = base;
        this.count = count;
    }

    /** A byte read of {@code port} (inside the range). */
    protected abstract int readByte(int port);

    /** A byte write of {@code value} (0..255) to {@code port} (inside the range). */
    protected abstract void writeByte(int port, int value);

    @Override
    public final int read(int port, int size) {
        int value = 0;
        for (int i = 0; i < width(size); i++) {
            int p = port + i;
            int b = inRange(p) ? readByte(p) & 0xff : 0xff;
            value |= b << (8 * i);
        }
        return value;
    }

    @Override
    public final void write(int port, int size, int value) {
        for (int i = 0; i < width(size); i++) {
            int p = port + i;
            if (inRange(p)) {
                writeByte(p, (value >>> (8 * i)) & 0xff);
            }
        }
    }

    private boolean inRange(int p) {
        return p >= base && p < base + count;
    }

    private static int width(int size) {
        return switch (size) {
            case 1, 2, 4 -> size;
            default -> throw new IllegalArgumentException("port access size " + size + " is not 1, 2 or 4");
        };
    }
}
