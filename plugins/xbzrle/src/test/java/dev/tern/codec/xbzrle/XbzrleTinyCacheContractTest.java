package dev.tern.codec.xbzrle;

import dev.tern.spi.Config;
import dev.tern.spi.codec.PageCodecProvider;
import dev.tern.testkit.codec.PageCodecContract;
import dev.tern.testkit.codec.ProviderConfig;
import java.util.Map;

/** The codec contract with a 4-page cache, so that pages compete for slots and get refused or evicted. */
class XbzrleTinyCacheContractTest extends PageCodecContract {

    @Override
    protected PageCodecProvider provider() {
        return new XbzrleCodecProvider();
    }

    @Override
    protected Config config() {
        return ProviderConfig.of(provider(), Map.of("cache-size", "16K"));
    }
}
