package dev.tern.devices.debugexit;

import dev.tern.spi.Registration;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.io.PortIoHandler;

/**
 * QEMU's isa-debug-exit: a write of value v asks the VMM to exit with status {@code (v << 1) | 1},
 * so a test guest can report its result (the status is always odd, telling it apart from a normal
 * exit). Reads return all ones. Stateless.
 */
public final class DebugExit implements Device {

    private final DeviceContext context;
    private final int base;
    private final int size;
    private Registration registration;

    DebugExit(DeviceContext context, int base, int size) {
        this.context = context;
        this.base = base;
        this.size = size;
    }

    @Override
    public void realize() {
        registration = context.ports().register(context.instanceName(), base, size, new PortIoHandler() {
            @Override
            public int read(int port, int width) {
                return width == 4 ? -1 : (1 << (8 * width)) - 1;
            }

            @Override
            public void write(int port, int width, int value) {
                int v = switch (width) {
                    case 1 -> value & 0xff;
                    case 2 -> value & 0xffff;
                    case 4 -> value;
                    default -> throw new IllegalArgumentException("port access size " + width + " is not 1, 2 or 4");
                };
                context.machine().requestPowerOff((v << 1) | 1);
            }
        });
    }

    @Override
    public void reset() {
        // No state.
    }

    @Override
    public void powerOff() {
        if (registration != null) {
            registration.close();
        }
    }
}
