package dev.tern.pc.boot;

/**
 * Bytes to write into guest RAM before the first instruction.
 *
 * @param name    what the bytes are, for logs and errors ("kernel segment 0", "initrd", ...)
 * @param address guest-physical address of the first byte
 * @param data    the bytes; not copied, callers must not modify them
 */
public record GuestBlob(String name, long address, byte[] data) {

    /** First address after the blob. */
    public long end() {
        return address + data.length;
    }

    @Override
    public String toString() {
        return String.format("%s [0x%X, 0x%X)", name, address, end());
    }
}
