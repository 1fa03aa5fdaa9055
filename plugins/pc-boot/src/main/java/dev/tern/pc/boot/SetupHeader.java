package dev.tern.pc.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The real-mode setup header of a bzImage (boot.rst "THE REAL-MODE KERNEL HEADER"), parsed and
 * bounds-checked. Offsets are absolute within the image file, which equal their offsets in the
 * zero page ({@code struct boot_params}) the header is copied into.
 *
 * @param raw               the header bytes from {@link #START} to the header end, copied verbatim
 *                          into the zero page
 * @param version           boot protocol version, e.g. {@code 0x020F} for 2.15
 * @param setupSects        size of the real-mode setup code in 512-byte sectors (0 already mapped to 4)
 * @param syssize           size of the protected-mode code in 16-byte paragraphs
 * @param loadflags         the image's loadflags byte
 * @param initrdAddrMax     highest address the initrd may occupy
 * @param kernelAlignment   physical alignment the kernel requires
 * @param relocatable       whether the kernel may be loaded at another aligned address
 * @param xloadflags        extended load flags (protocol 2.12+; 0 before)
 * @param cmdlineSize       longest command line without the terminating NUL
 * @param payloadOffset     offset of the compressed payload from the protected-mode code start
 * @param payloadLength     length of the compressed payload
 * @param prefAddress       preferred load address (protocol 2.10+)
 * @param initSize          linear memory the kernel needs from its load address before it is up
 */
public record SetupHeader(byte[] raw, int version, int setupSects, long syssize, int loadflags,
                          long initrdAddrMax, long kernelAlignment, boolean relocatable, int xloadflags,
                          long cmdlineSize, long payloadOffset, long payloadLength, long prefAddress,
                          long initSize) {

    /** Offset of the first header field ({@code setup_sects}). */
    public static final int START = 0x1F1;
    /** The header may not reach the zero page's {@code edd_mbr_sig_buffer}. */
    public static final int MAX_END = 0x290;
    /** "HdrS" read little-endian. */
    public static final int MAGIC = 0x53726448;
    /** loadflags bit: protected-mode code is loaded at 0x100000. */
    public static final int LOADED_HIGH = 0x01;
    /** loadflags bit: heap_end_ptr is valid. */
    public static final int CAN_USE_HEAP = 0x80;

    static final int OFF_SETUP_SECTS = 0x1F1;
    static final int OFF_SYSSIZE = 0x1F4;
    static final int OFF_BOOT_FLAG = 0x1FE;
    static final int OFF_JUMP = 0x200;
    static final int OFF_HEADER = 0x202;
    static final int OFF_VERSION = 0x206;
    static final int OFF_TYPE_OF_LOADER = 0x210;
    static final int OFF_LOADFLAGS = 0x211;
    static final int OFF_RAMDISK_IMAGE = 0x218;
    static final int OFF_RAMDISK_SIZE = 0x21C;
    static final int OFF_HEAP_END_PTR = 0x224;
    static final int OFF_CMD_LINE_PTR = 0x228;
    static final int OFF_INITRD_ADDR_MAX = 0x22C;
    static final int OFF_KERNEL_ALIGNMENT = 0x230;
    static final int OFF_RELOCATABLE = 0x234;
    static final int OFF_XLOADFLAGS = 0x236;
    static final int OFF_CMDLINE_SIZE = 0x238;
    static final int OFF_HARDWARE_SUBARCH = 0x23C;
    static final int OFF_PAYLOAD_OFFSET = 0x248;
    static final int OFF_PAYLOAD_LENGTH = 0x24C;
    static final int OFF_PREF_ADDRESS = 0x258;
    static final int OFF_INIT_SIZE = 0x260;

    /** Oldest protocol with payload_offset/payload_length, which host-side decompression needs. */
    static final int MIN_VERSION = 0x0208;

    /**
     * Parses the header of a bzImage held in {@code image}.
     *
     * @throws InvalidImageException naming the field when the image is truncated, lacks the magic,
     *                               uses a protocol older than 2.08 or has fields pointing outside
     *                               the file
     */
    public static SetupHeader parse(byte[] image) {
        if (image.length < OFF_VERSION + 2) {
            throw new InvalidImageException("bzImage: file of " + image.length
                    + " bytes is too short for a setup header (needs at least 0x208 bytes)");
        }
        var b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(OFF_HEADER) != MAGIC) {
            throw new InvalidImageException(String.format(
                    "bzImage: no \"HdrS\" magic at 0x202 (found 0x%08X): not a Linux boot image",
                    b.getInt(OFF_HEADER)));
        }
        int version = Short.toUnsignedInt(b.getShort(OFF_VERSION));
        if (version < MIN_VERSION) {
            throw new InvalidImageException(String.format("bzImage: boot protocol %d.%02d predates "
                    + "payload_offset (2.08); pass an ELF vmlinux instead", version >> 8, version & 0xFF));
        }
        int end = OFF_HEADER + Byte.toUnsignedInt(image[OFF_JUMP + 1]);
        if (end < OFF_PAYLOAD_LENGTH + 4 || end > MAX_END) {
            throw new InvalidImageException(String.format("bzImage: setup header end 0x%X (0x202 + jump "
                    + "byte 0x%02X) outside [0x250, 0x290]", end, image[OFF_JUMP + 1] & 0xFF));
        }
        if (end > image.length) {
            throw new InvalidImageException(String.format(
                    "bzImage: setup header ends at 0x%X beyond file size %d", end, image.length));
        }
        return fields(image, b, version, end);
    }

    private static SetupHeader fields(byte[] image, ByteBuffer b, int version, int end) {
        int sects = Byte.toUnsignedInt(image[OFF_SETUP_SECTS]);
        int setupSects = sects == 0 ? 4 : sects;
        long setupBytes = (setupSects + 1L) * 512;
        if (setupBytes >= image.length) {
            throw new InvalidImageException("bzImage: setup_sects " + setupSects + " (" + setupBytes
                    + " bytes of setup code) exceeds file size " + image.length);
        }
        long protectedBytes = image.length - setupBytes;
        long syssize = Integer.toUnsignedLong(b.getInt(OFF_SYSSIZE));
        if (syssize == 0 || syssize * 16 > roundUp(protectedBytes, 16)) {
            throw new InvalidImageException("bzImage: syssize " + syssize + " paragraphs (" + syssize * 16
                    + " bytes) does not match the " + protectedBytes + " bytes after the setup code");
        }
        int loadflags = Byte.toUnsignedInt(image[OFF_LOADFLAGS]);
        if ((loadflags & LOADED_HIGH) == 0) {
            throw new InvalidImageException("bzImage: loadflags 0x" + Integer.toHexString(loadflags)
                    + " lack LOADED_HIGH: a zImage loaded at 0x10000 is not supported");
        }
        long payloadOffset = u32(b, OFF_PAYLOAD_OFFSET);
        long payloadLength = u32(b, OFF_PAYLOAD_LENGTH);
        if (payloadLength == 0 || payloadOffset + payloadLength > protectedBytes) {
            throw new InvalidImageException("bzImage: payload_offset " + payloadOffset + " + payload_length "
                    + payloadLength + " exceeds the " + protectedBytes + " bytes of protected-mode code");
        }
        return new SetupHeader(Arrays.copyOfRange(image, START, end), version, setupSects, syssize,
                loadflags, u32(b, OFF_INITRD_ADDR_MAX), u32(b, OFF_KERNEL_ALIGNMENT),
                image[OFF_RELOCATABLE] != 0,
                version >= 0x020C ? Short.toUnsignedInt(b.getShort(OFF_XLOADFLAGS)) : 0,
                version >= 0x0206 ? u32(b, OFF_CMDLINE_SIZE) : 255, payloadOffset, payloadLength,
                version >= 0x020A && end >= OFF_PREF_ADDRESS + 8 ? b.getLong(OFF_PREF_ADDRESS) : 0x100000,
                version >= 0x020A && end >= OFF_INIT_SIZE + 4 ? u32(b, OFF_INIT_SIZE) : 0);
    }

    /** File offset of the compressed payload. */
    public long payloadFileOffset() {
        return (setupSects + 1L) * 512 + payloadOffset;
    }

    private static long u32(ByteBuffer b, int off) {
        return Integer.toUnsignedLong(b.getInt(off));
    }

    private static long roundUp(long v, long to) {
        return (v + to - 1) / to * to;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SetupHeader h && Arrays.equals(raw, h.raw);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(raw);
    }

    @Override
    public String toString() {
        return String.format("SetupHeader[protocol %d.%02d, setup_sects %d, payload %d bytes at +%d, "
                        + "pref_address 0x%X, init_size 0x%X, alignment 0x%X%s]", version >> 8,
                version & 0xFF, setupSects, payloadLength, payloadOffset, prefAddress, initSize,
                kernelAlignment, relocatable ? ", relocatable" : "");
    }
}
