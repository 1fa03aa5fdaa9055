package dev.tern.kernel.plugin;

import dev.tern.spi.Availability;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.DeviceProvider;

/** A class-path device provider that reports itself unusable on this host. */
public final class UnavailableDeviceProvider implements DeviceProvider {

    @Override
    public String id() {
        return "test-passthrough";
    }

    @Override
    public Availability availability() {
        return Availability.unavailable("needs /dev/vfio, which this host lacks");
    }

    @Override
    public Device create(DeviceContext context) {
        throw new IllegalStateException("unavailable");
    }
}
