package dev.tern.devices.virtio;

import dev.tern.devices.virtio.net.VirtioNetProvider;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.testkit.DeviceContract;
import dev.tern.testkit.DeviceHarness;

import java.util.Map;
import java.util.Random;

/** The device contract, fuzz included, for a virtio-net card offering the modern interface too. */
class ModernVirtioNetContractTest extends DeviceContract {

    @Override
    protected DeviceProvider provider() {
        return new VirtioNetProvider();
    }

    @Override
    protected Map<String, String> config() {
        return Map.of("modern", "on");
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
