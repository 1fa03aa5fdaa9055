package dev.tern.codec.lz4;

import dev.tern.spi.codec.CodecException;
import dev.tern.spi.codec.PageDecoder;
import dev.tern.spi.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * Decodes LZ4 pages. Decompresses with the bounds-checked decompressor into a private page-sized
 * buffer and copies into the guest page only once the block proved to be exactly one page, so a
 * malformed block can neither write outside the page nor leave it half-written.
 */
final class Lz4Decoder implements PageDecoder {

    private static final int PAGE = GuestMemory.PAGE_SIZE;

    private final LZ4SafeDecompressor decompressor;
    private final byte[] plain = new byte[PAGE];
    private final byte[] payload = new byte[PAGE];

    Lz4Decoder(LZ4SafeDecompressor decompressor) {
        this.decompressor = decompressor;
    }

    @Override
    public void decode(long gpa, ByteBuffer in, MemorySegment page) throws CodecException {
        if (page.byteSize() != PAGE) {
            throw new IllegalArgumentException("page at 0x" + Long.toHexString(gpa) + " is " + page.byteSize()
                    + " bytes, expected " + PAGE);
        }
        int length = in.remaining();
        if (length == 0) {
            throw malformed(gpa, 0, "empty input, expected a tag byte");
        }
        byte tag = in.get(in.position());
        switch (tag) {
            case Lz4PageFormat.ZERO_PAGE -> {
                if (length != 1) {
                    throw malformed(gpa, 1, "zero-page tag followed by " + (length - 1) + " bytes");
                }
                page.fill((byte) 0);
            }
            case Lz4PageFormat.BLOCK -> decompress(gpa, in, length - 1, page);
            default -> throw malformed(gpa, 0, String.format("unknown tag 0x%02x", tag & 0xff));
        }
        in.position(in.limit());
    }

    private void decompress(long gpa, ByteBuffer in, int blockLength, MemorySegment page) throws CodecException {
        if (blockLength >= PAGE) {
            throw malformed(gpa, 1, "LZ4 block of " + blockLength + " bytes is not smaller than the page");
        }
        in.get(in.position() + 1, payload, 0, blockLength);
        int produced;
        try {
            produced = decompressor.decompress(payload, 0, blockLength, plain, 0, PAGE);
        } catch (RuntimeException e) {
            // LZ4Exception for corrupt blocks; anything else from the library is still bad input.
            throw malformed(gpa, 1, "corrupt LZ4 block (" + e.getMessage() + ")");
        }
        if (produced != PAGE) {
            throw malformed(gpa, 1, "LZ4 block decompresses to " + produced + " bytes, expected " + PAGE);
        }
        MemorySegment.copy(plain, 0, page, ValueLayout.JAVA_BYTE, 0, PAGE);
    }

    private static CodecException malformed(long gpa, int offset, String problem) {
        return new CodecException("malformed LZ4 page 0x" + Long.toHexString(gpa) + " at input offset " + offset + ": " + problem);
    }
}
