package dev.tern.kernel.state;

import java.nio.charset.StandardCharsets;

/** Fixed constants of the byte format (docs/formats/saved-state.md). */
final class StreamFormat {

    /** "TERNSAVE": first eight bytes of every stream. */
    static final byte[] MAGIC = "TERNSAVE".getBytes(StandardCharsets.US_ASCII);
    /** "TERNTAIL": last eight bytes, after the trailer offset. */
    static final byte[] FOOTER_MAGIC = "TERNTAIL".getBytes(StandardCharsets.US_ASCII);
    /** The format version this code writes and the only one it reads. */
    static final int VERSION = 1;
    /** Magic + version + flags. */
    static final int HEADER_BYTES = 12;
    /** Trailer offset + footer magic. */
    static final int FOOTER_BYTES = 16;

    private StreamFormat() { }
}
