package dev.tern.devices.uart;

import dev.tern.devices.chardev.MemoryBackend;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.testkit.replay.HostInputContract;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The 16550A's console input is recordable and replays into the same FIFO state. */
class Uart16550InputTest extends HostInputContract {

    @Override
    protected DeviceProvider provider() {
        return new UartProvider();
    }

    @Override
    protected Map<String, String> config() {
        return Map.of("backend", "memory");
    }

    @Override
    protected void sendHostInput(Device device, int n) {
        ((MemoryBackend) ((Uart16550) device).backend()).inject(("typed line " + n + "\r").getBytes(StandardCharsets.US_ASCII));
    }
}
