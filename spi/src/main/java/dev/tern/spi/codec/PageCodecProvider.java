package dev.tern.spi.codec;

import dev.tern.spi.Config;
import dev.tern.spi.Provider;

/** Supplies a page codec. Encoders and decoders are stateful sessions, one per migration stream. */
public interface PageCodecProvider extends Provider {

    /** Starts an encoding session (e.g. with an empty page cache). */
    PageEncoder newEncoder(Config config);

    /** Starts a decoding session. */
    PageDecoder newDecoder(Config config);

    /**
     * Whether encoded pages are deltas against the page the receiver already holds (XBZRLE), as
     * opposed to standalone compression (LZ4). The RAM stream uses a delta codec only for pages it
     * has sent before, and lets its encoder return 0 for a page the receiver already holds as is.
     *
     * @since SPI 1.2
     */
    default boolean delta() {
        return false;
    }
}
