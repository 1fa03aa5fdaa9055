package dev.tern.devices.i8042;

import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.testkit.replay.HostInputContract;

/** Host key presses reach the i8042 through the machine's input path and replay to the same queue. */
class KeyboardInputTest extends HostInputContract {

    @Override
    protected DeviceProvider provider() {
        return new I8042Provider();
    }

    @Override
    protected void sendHostInput(Device device, int n) {
        // make code, then break code, of keys A, S, D...
        byte make = (byte) (0x1e + n);
        ((KeyboardController) device).typeScancodes(new byte[] {make, (byte) (make | 0x80)});
    }
}
