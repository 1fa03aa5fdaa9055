package dev.tern.codec.lz4;

import dev.tern.spi.Config;
import dev.tern.spi.codec.PageCodecProvider;
import dev.tern.testkit.codec.PageCodecContract;
import dev.tern.testkit.codec.ProviderConfig;
import java.util.Map;

/** The codec contract with LZ4 HC. */
class Lz4HighCompressionContractTest extends PageCodecContract {

    @Override
    protected PageCodecProvider provider() {
        return new Lz4CodecProvider();
    }

    @Override
    protected Config config() {
        return ProviderConfig.of(provider(), Map.of("level", "9"));
    }

    @Override
    protected int sequences() {
        return 4;
    }
}
