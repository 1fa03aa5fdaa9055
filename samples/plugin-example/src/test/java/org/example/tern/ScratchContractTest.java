package org.example.tern;

import dev.tern.spi.device.DeviceProvider;
import dev.tern.testkit.DeviceContract;
import org.example.tern.device.ScratchProvider;

/** The scratch register passes the checks every device re-runs (lifecycle, state, config, fuzz). */
class ScratchContractTest extends DeviceContract {

    @Override
    protected DeviceProvider provider() {
        return new ScratchProvider();
    }
}
