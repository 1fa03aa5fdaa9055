package dev.tern.spi.codec;

import dev.tern.spi.Config;
import dev.tern.spi.Provider;

/** Supplies a page codec. Encoders and decoders are stateful sessions, one per migration stream. */
public interface PageCodecProvider extends Provider {

    /** Starts an encoding session (e.g. with an empty page cache). */
    PageEncoder newEncoder(Config config);

    /** Starts a decoding session. */
    PageDecoder newDecoder(Config config);
}
