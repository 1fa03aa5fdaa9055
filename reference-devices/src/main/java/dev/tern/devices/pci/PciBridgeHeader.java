package dev.tern.devices.pci;

/**
 * The type 1 (PCI-to-PCI bridge) configuration header fields Tern's bridge implements, and which of
 * their bits a guest may change. The bridge has no BARs of its own beyond the SHPC's memory BAR0, and
 * no prefetchable window (its base and limit read as zero, which tells the guest so).
 */
final class PciBridgeHeader {

    static final int PRIMARY_BUS = 0x18;
    static final int SECONDARY_BUS = 0x19;
    static final int SUBORDINATE_BUS = 0x1a;
    static final int IO_BASE = 0x1c;
    static final int IO_LIMIT = 0x1d;
    static final int SECONDARY_STATUS = 0x1e;
    static final int MEMORY_BASE = 0x20;
    static final int MEMORY_LIMIT = 0x22;
    static final int BRIDGE_CONTROL = 0x3e;

    /** I/O windows are 4 KiB granular, memory windows 1 MiB granular. */
    static final int IO_GRANULE = 0x1000;
    static final int MEMORY_GRANULE = 0x10_0000;

    private PciBridgeHeader() {
    }

    /** Sets the write masks of the bridge registers in a function's per-byte mask arrays. */
    static void masks(byte[] writable, byte[] writeOneClear) {
        writable[PRIMARY_BUS] = (byte) 0xff;
        writable[SECONDARY_BUS] = (byte) 0xff;
        writable[SUBORDINATE_BUS] = (byte) 0xff;
        writable[0x1b] = (byte) 0xff; // secondary latency timer
        writable[IO_BASE] = (byte) 0xf0; // the low nibble says 16-bit decoding, read-only
        writable[IO_LIMIT] = (byte) 0xf0;
        writeOneClear[SECONDARY_STATUS + 1] = (byte) 0xf9;
        writable[MEMORY_BASE] = (byte) 0xf0;
        writable[MEMORY_BASE + 1] = (byte) 0xff;
        writable[MEMORY_LIMIT] = (byte) 0xf0;
        writable[MEMORY_LIMIT + 1] = (byte) 0xff;
        writable[BRIDGE_CONTROL] = (byte) 0x7f; // parity, SERR, ISA, VGA, VGA16, master abort, secondary reset
    }

    /** The I/O base/limit byte pair value of the window {@code base}..{@code base + size - 1}. */
    static int ioWindow(int base, int size) {
        return ((base >>> 8) & 0xf0) | (((base + size - 1) >>> 8) & 0xf0) << 8;
    }

    /** The memory base/limit dword value of the window {@code base}..{@code base + size - 1}. */
    static int memoryWindow(long base, long size) {
        return (int) (((base >>> 16) & 0xfff0) | (((base + size - 1) >>> 16) & 0xfff0) << 16);
    }
}
