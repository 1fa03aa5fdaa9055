package dev.tern.codec.lz4;

/**
 * The wire format of an LZ4-encoded page: one tag byte, then a payload.
 * <ul>
 *   <li>{@link #ZERO_PAGE}: no payload; the page is all zeros. Zero pages are common (freed or
 *       never-touched guest memory) and one byte beats LZ4's ~20-byte encoding of them.</li>
 *   <li>{@link #BLOCK}: a raw LZ4 block (no frame) that decompresses to exactly one page.</li>
 * </ul>
 * Anything else is malformed. The format carries no length: the migration stream frames each page.
 */
final class Lz4PageFormat {

    /** An all-zero page; the encoding is this single byte. */
    static final byte ZERO_PAGE = 0x00;

    /** An LZ4 block follows. */
    static final byte BLOCK = 0x01;

    private Lz4PageFormat() {
    }
}
