package dev.tern.codec.xbzrle;

import dev.tern.spi.codec.PageCodecProvider;
import dev.tern.testkit.codec.PageCodecContract;

/** The codec contract with QEMU's default 64 MiB cache. */
class XbzrleCodecContractTest extends PageCodecContract {

    @Override
    protected PageCodecProvider provider() {
        return new XbzrleCodecProvider();
    }
}
