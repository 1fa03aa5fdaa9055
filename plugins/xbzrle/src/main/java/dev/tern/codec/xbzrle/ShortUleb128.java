package dev.tern.codec.xbzrle;

/**
 * The two-byte-at-most ULEB128 that XBZRLE uses for run lengths.
 *
 * <p>QEMU's encoder ({@code uleb128_encode_small}) asserts that a length is at most {@code 0x3fff}:
 * 7 bits in a first byte with the continuation bit set, 7 bits in a second byte. Its decoder
 * ({@code uleb128_decode_small}) reads at most two bytes and refuses a second byte that would
 * continue. Run lengths never exceed the page length, so the cap only bounds the page length a
 * delta can describe ({@link #MAX_VALUE}). The decoder accepts non-minimal forms such as
 * {@code 0x80 0x00} because QEMU does; the encoder never produces them.
 */
final class ShortUleb128 {

    /** The largest encodable value: 14 bits. */
    static final int MAX_VALUE = 0x3fff;

    private ShortUleb128() {
    }

    /** The number of bytes {@code value} takes. */
    static int size(int value) {
        return value < 0x80 ? 1 : 2;
    }

    /**
     * The number of bytes a valid length takes on the wire, from its first byte: a decoder accepts
     * non-minimal forms such as {@code 0x80 0x00}, so the decoded value alone cannot say.
     */
    static int sizeOnWire(byte first) {
        return first < 0 ? 2 : 1;
    }

    /** Writes {@code value} at {@code at} and returns the number of bytes written. */
    static int write(byte[] dst, int at, int value) {
        if (value < 0 || value > MAX_VALUE) {
            throw new IllegalArgumentException("run length " + value + " exceeds the XBZRLE limit " + MAX_VALUE);
        }
        if (value < 0x80) {
            dst[at] = (byte) value;
            return 1;
        }
        dst[at] = (byte) ((value & 0x7f) | 0x80);
        dst[at + 1] = (byte) (value >>> 7);
        return 2;
    }
}
