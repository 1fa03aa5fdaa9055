package dev.tern.kernel.machine;

import dev.tern.spi.device.Device;

/** A device of a machine and the spec it was made from. */
record MachineDevice(DeviceSpec spec, Device device) {
}
