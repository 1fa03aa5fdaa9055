package org.example.tern.device;

import dev.tern.spi.Registration;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.io.PortIoHandler;
import dev.tern.spi.state.StateSection;

import java.util.List;
import java.util.Optional;

/** A byte the guest can write and read back at one I/O port; it survives snapshots and migration. */
public final class ScratchRegister implements Device {

    private final DeviceContext context;
    private final int port;
    private Registration registration;
    private int value;

    ScratchRegister(DeviceContext context, int port) {
        this.context = context;
        this.port = port;
    }

    /**
     * Saved state.
     *
     * @param value the register's byte
     */
    public record State(int value) {
    }

    @Override
    public void realize() {
        registration = context.ports().register(context.instanceName(), port, 1, new PortIoHandler() {
            @Override
            public int read(int p, int size) {
                synchronized (ScratchRegister.this) {
                    return value;
                }
            }

            @Override
            public void write(int p, int size, int v) {
                synchronized (ScratchRegister.this) {
                    value = v & 0xff; // the guest may write any width: the register keeps a byte
                }
            }
        });
    }

    @Override
    public synchronized void reset() {
        value = 0;
    }

    @Override
    public void powerOff() {
        if (registration != null) {
            registration.close();
            registration = null;
        }
    }

    @Override
    public List<StateSection<?>> sections() {
        return List.of(new StateSection<State>() {
            @Override
            public String name() {
                return "scratch";
            }

            @Override
            public String instance() {
                return context.instanceName();
            }

            @Override
            public Class<State> stateType() {
                return State.class;
            }

            @Override
            public State save() {
                synchronized (ScratchRegister.this) {
                    return new State(value);
                }
            }

            @Override
            public Optional<String> validate(State s) {
                return (s.value() & ~0xff) == 0 ? Optional.empty()
                        : Optional.of("scratch: value " + s.value() + " is not a byte");
            }

            @Override
            public void load(State s) {
                synchronized (ScratchRegister.this) {
                    value = s.value();
                }
            }
        });
    }
}
