package dev.tern.codec.xbzrle;

import dev.tern.spi.codec.CodecException;
import dev.tern.spi.codec.PageDecoder;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The receiving side of XBZRLE: applies a delta to the destination's current copy of the page.
 * Keeps no state, because the destination page itself is the old version the sender's cache
 * mirrors. An empty delta is valid and changes nothing.
 */
public final class XbzrleDecoder implements PageDecoder {

    @Override
    public void decode(long gpa, ByteBuffer in, MemorySegment page) throws CodecException {
        XbzrleEncoding.decode(in, page, gpa);
    }
}
