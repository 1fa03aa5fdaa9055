package dev.tern.devices.debugcon;

import dev.tern.spi.Registration;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.io.PortIoHandler;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The Bochs/QEMU debug console: the low byte of every write goes to the output stream; reads return
 * 0xE9 so a guest can detect the port. Output failures stop output without disturbing the guest.
 */
public final class DebugConsole implements Device {

    /** What a read returns: the Bochs detection value. */
    static final int READBACK = 0xe9;

    private final DeviceContext context;
    private final int port;
    private final OutputStream out;
    private Registration registration;
    private volatile boolean broken;

    /** A console on {@code port} writing to {@code out} (closed at power-off). */
    public DebugConsole(DeviceContext context, int port, OutputStream out) {
        this.context = context;
        this.port = port;
        this.out = out;
    }

    @Override
    public void realize() {
        registration = context.ports().register(context.instanceName(), port, 1, new PortIoHandler() {
            @Override
            public int read(int p, int size) {
                return READBACK;
            }

            @Override
            public void write(int p, int size, int value) {
                emit(value & 0xff);
            }
        });
    }

    private synchronized void emit(int b) {
        if (broken) {
            return;
        }
        try {
            out.write(b);
            out.flush();
        } catch (IOException e) {
            broken = true;
        }
    }

    @Override
    public void reset() {
        // No guest-visible state.
    }

    @Override
    public synchronized void powerOff() {
        if (registration != null) {
            registration.close();
        }
        try {
            out.close();
        } catch (IOException e) {
            broken = true;
        }
    }
}
