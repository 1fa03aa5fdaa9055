package dev.tern.devices.virtio;

import dev.tern.devices.virtio.net.VirtioNetProvider;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.testkit.DeviceContract;
import dev.tern.testkit.DeviceHarness;

import java.util.Map;
import java.util.Random;

/** The device contract, fuzz included (its state round trips carry the msix subsection), for a virtio-net card with MSI-X. */
class MsixVirtioNetContractTest extends DeviceContract {

    @Override
    protected DeviceProvider provider() {
        return new VirtioNetProvider();
    }

    @Override
    protected Map<String, String> config() {
        return Map.of("modern", "on", "msix", "true");
    }

    @Override
    protected DeviceHarness harness() {
        return VirtioRig.contractHarness(provider(), config());
    }

    @Override
    protected void exercise(DeviceHarness h, Device device, Random rnd, int operations) {
        VirtioRig.hostileActions(h, rnd, Math.min(operations, 5_000));
        super.exercise(h, device, rnd, operations);
    }
}
