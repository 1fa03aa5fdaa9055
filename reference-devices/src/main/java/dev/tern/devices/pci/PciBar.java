package dev.tern.devices.pci;

import dev.tern.spi.io.MmioHandler;
import dev.tern.spi.io.PortIoHandler;

/**
 * A base address register of a PCI function: its index (0..5), size (a power of two) and the
 * handler that decodes it once the guest places it and enables decoding.
 */
public sealed interface PciBar {

    /** BAR number, 0..5. */
    int index();

    /** Bytes decoded, a power of two. */
    int size();

    /** The type bits that read back in the low bits of the register. */
    int typeBits();

    /** Bits of the register the guest can write. */
    default int addressMask() {
        return ~(size() - 1) & ~(this instanceof IoBar ? 0x3 : 0xf);
    }

    /**
     * An I/O space BAR; the handler sees offsets from the BAR base as its port numbers.
     *
     * @param index BAR number
     * @param size at least 4 bytes, at most 256 (PCI limit for I/O BARs)
     * @param handler decodes {@code [0, size)}
     */
    record IoBar(int index, int size, PortIoHandler handler) implements PciBar {
        public IoBar {
            check(index, size, 4, 256);
        }

        @Override
        public int typeBits() {
            return 0x1;
        }
    }

    /**
     * A 32-bit, non-prefetchable memory BAR.
     *
     * @param index BAR number
     * @param size at least 16 bytes, at most 1 GiB
     * @param handler decodes offsets {@code [0, size)}
     */
    record MemoryBar(int index, int size, MmioHandler handler) implements PciBar {
        public MemoryBar {
            check(index, size, 16, 1 << 30);
        }

        @Override
        public int typeBits() {
            return 0x0;
        }
    }

    private static void check(int index, int size, int min, int max) {
        if (index < 0 || index > 5) {
            throw new IllegalArgumentException("BAR index " + index + " is not 0..5");
        }
        if (Integer.bitCount(size) != 1 || size < min || size > max) {
            throw new IllegalArgumentException("BAR" + index + " size " + size + " is not a power of two in " + min + ".." + max);
        }
    }
}
