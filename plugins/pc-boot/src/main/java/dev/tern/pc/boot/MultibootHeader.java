package dev.tern.pc.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * The Multiboot (version 1, spec 0.6.96 section 3.1) header of an OS image: a 32-bit aligned magic
 * {@code 0x1BADB002} within the first 8192 bytes, then flags and a checksum that makes the three
 * words sum to zero, then (when flag bit 16 is set) the a.out-kludge address fields.
 *
 * @param offset      file offset of the magic
 * @param flags       what the kernel requires (bits 0-15) and offers (bits 16-31)
 * @param headerAddr  physical address the magic is loaded to (flag 16 only)
 * @param loadAddr    physical address of the first byte loaded (flag 16 only)
 * @param loadEndAddr first physical address after the loaded bytes, 0 for the rest of the file (flag 16 only)
 * @param bssEndAddr  first physical address after the BSS, 0 for none (flag 16 only)
 * @param entryAddr   physical address to jump to (flag 16 only)
 */
public record MultibootHeader(int offset, int flags, long headerAddr, long loadAddr, long loadEndAddr,
        long bssEndAddr, long entryAddr) {

    /** The header's magic word. */
    public static final int MAGIC = 0x1BADB002;
    /** How far into the image the spec allows the header to start. */
    public static final int SEARCH_LIMIT = 8192;
    /** Requirement: align modules on 4 KiB pages (met trivially: Tern loads no modules). */
    public static final int PAGE_ALIGN = 1;
    /** Requirement: {@code mem_*} in the information structure (always provided). */
    public static final int MEMORY_INFO = 1 << 1;
    /** Requirement: video mode information (Tern has no framebuffer to describe). */
    public static final int VIDEO_MODE = 1 << 2;
    /** Offer: the address fields are valid; load by them instead of by ELF program headers. */
    public static final int ADDRESS_FIELDS = 1 << 16;
    /** The header's length with the address fields (magic, flags, checksum and five addresses). */
    static final int LENGTH_WITH_ADDRESSES = 32;

    /** Whether the address fields (the a.out kludge) say where to load the image. */
    public boolean hasAddressFields() {
        return (flags & ADDRESS_FIELDS) != 0;
    }

    /**
     * Looks for the header in the first {@link #SEARCH_LIMIT} bytes of {@code image}. A magic word
     * whose checksum does not match is not a header (the bytes may be code or data that happen to
     * hold the value); the search goes on past it.
     *
     * @return the header, or empty when the image has none
     * @throws InvalidImageException when a header is found but asks for what Tern cannot give (video
     *                               mode, unknown required flags) or its address fields are cut off
     */
    public static Optional<MultibootHeader> find(String source, byte[] image) {
        var b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int end = Math.min(image.length, SEARCH_LIMIT) - 12;
        for (int at = 0; at <= end; at += 4) {
            if (b.getInt(at) == MAGIC && MAGIC + b.getInt(at + 4) + b.getInt(at + 8) == 0) {
                return Optional.of(parse(source, image, b, at));
            }
        }
        return Optional.empty();
    }

    private static MultibootHeader parse(String source, byte[] image, ByteBuffer b, int at) {
        int flags = b.getInt(at + 4);
        if ((flags & VIDEO_MODE) != 0) {
            throw new InvalidImageException(String.format("%s: Multiboot header at 0x%X requires video mode "
                    + "information (flags bit 2); Tern has no framebuffer", source, at));
        }
        int unknown = flags & 0xFFF8;
        if (unknown != 0) {
            throw new InvalidImageException(String.format("%s: Multiboot header at 0x%X requires flags 0x%X "
                    + "this loader does not know (the spec says such a kernel must not be booted)", source, at, unknown));
        }
        if ((flags & ADDRESS_FIELDS) == 0) {
            return new MultibootHeader(at, flags, 0, 0, 0, 0, 0);
        }
        if ((long) at + LENGTH_WITH_ADDRESSES > image.length) {
            throw new InvalidImageException(String.format("%s: Multiboot header at 0x%X sets flags bit 16 but its "
                    + "address fields run past the %d-byte file", source, at, image.length));
        }
        return new MultibootHeader(at, flags, u32(b, at + 12), u32(b, at + 16), u32(b, at + 20), u32(b, at + 24),
                u32(b, at + 28));
    }

    private static long u32(ByteBuffer b, int offset) {
        return Integer.toUnsignedLong(b.getInt(offset));
    }
}
