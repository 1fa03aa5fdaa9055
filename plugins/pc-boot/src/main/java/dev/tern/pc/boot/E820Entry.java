package dev.tern.pc.boot;

/**
 * One BIOS e820 memory map entry as stored in the zero page (20 bytes: u64 address, u64 size,
 * u32 type).
 *
 * @param address first byte
 * @param size    length in bytes, positive
 * @param type    what the range is
 */
public record E820Entry(long address, long size, Type type) {

    /** Bytes per entry in {@code boot_params.e820_table}. */
    public static final int SIZE = 20;

    /** The e820 range types a PC firmware reports (ACPI spec "Address Range Types"). */
    public enum Type {
        /** Usable RAM. */
        RAM(1),
        /** In use or not usable (ROM, EBDA, holes). */
        RESERVED(2);

        private final int code;

        Type(int code) {
            this.code = code;
        }

        /** The numeric type written into the table. */
        public int code() {
            return code;
        }
    }

    public E820Entry {
        if (address < 0 || size <= 0) {
            throw new IllegalArgumentException("e820 entry [0x" + Long.toHexString(address) + ", +0x"
                    + Long.toHexString(size) + ") must have a non-negative address and positive size");
        }
    }

    /** First address after the range. */
    public long end() {
        return address + size;
    }
}
