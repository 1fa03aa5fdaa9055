package org.example.tern.codec;

import dev.tern.spi.Config;
import dev.tern.spi.codec.PageCodecProvider;
import dev.tern.spi.codec.PageDecoder;
import dev.tern.spi.codec.PageEncoder;

/**
 * A page codec that leaves out runs of zero bytes ({@code migrate_set_parameter compression
 * zero-runs} on both ends). Each page is encoded on its own (not a delta), as a sequence of records
 * {@code [u16 zeros][u16 literals][literal bytes]} that together cover exactly one page; see
 * {@link ZeroRunsFormat}.
 */
public final class ZeroRunsCodec implements PageCodecProvider {

    @Override
    public String id() {
        return "zero-runs";
    }

    @Override
    public String description() {
        return "pages without their runs of zero bytes (example plugin)";
    }

    @Override
    public PageEncoder newEncoder(Config config) {
        return ZeroRunsFormat::encode;
    }

    @Override
    public PageDecoder newDecoder(Config config) {
        return ZeroRunsFormat::decode;
    }
}
