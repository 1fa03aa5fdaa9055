package dev.tern.devices.virtio;

import dev.tern.devices.virtio.LegacyVirtioDriver.Buffer;
import dev.tern.devices.virtio.net.NetHub;
import dev.tern.devices.virtio.net.VirtioNetProvider;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.testkit.DeviceHarness;
import dev.tern.testkit.replay.HostInputContract;

import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Frames received by virtio-net arrive as NetFrame inputs on the machine's input path; applying the
 * logged frames to a fresh NIC whose driver offered the same RX buffers rebuilds its queue state.
 */
class VirtioNetInputTest extends HostInputContract {

    private static final String HUB = "input-contract-hub";

    @Override
    protected DeviceProvider provider() {
        return new VirtioNetProvider();
    }

    @Override
    protected Map<String, String> config() {
        return Map.of("backend", "hub", "hub", HUB);
    }

    @Override
    protected DeviceHarness harness() {
        return VirtioRig.machine().withInstance("vnet0", provider(), config());
    }

    @Override
    protected void prepareGuest(DeviceHarness h, Device device) {
        var driver = new LegacyVirtioDriver(LegacyVirtioDriver.ConfigAccess.mechanism1(h.ports()), 1, h.ports(), h.memory(),
                VirtioRig.IO_BASE);
        driver.initialize(-1L, 0x300000, 2);
        for (int i = 0; i < 4; i++) {
            driver.submit(0, List.of(new Buffer(0x400000 + i * 2048L, 2048, true)));
        }
        driver.notify(0);
    }

    @Override
    protected void sendHostInput(Device device, int n) {
        byte[] frame = new byte[60 + n];
        new Random(n).nextBytes(frame);
        var station = NetHub.named(HUB).join();
        station.send(frame);
        station.close();
    }
}
