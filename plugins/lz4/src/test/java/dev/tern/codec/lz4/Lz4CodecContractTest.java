package dev.tern.codec.lz4;

import dev.tern.spi.codec.PageCodecProvider;
import dev.tern.testkit.codec.PageCodecContract;

/** The codec contract with the fast compressor. */
class Lz4CodecContractTest extends PageCodecContract {

    @Override
    protected PageCodecProvider provider() {
        return new Lz4CodecProvider();
    }
}
