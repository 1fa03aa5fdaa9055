package org.example.tern;

import dev.tern.spi.codec.PageCodecProvider;
import dev.tern.testkit.codec.PageCodecContract;
import org.example.tern.codec.ZeroRunsCodec;

/** zero-runs passes the checks every page codec re-runs: seeded round trips and hostile input. */
class ZeroRunsContractTest extends PageCodecContract {

    @Override
    protected PageCodecProvider provider() {
        return new ZeroRunsCodec();
    }
}
