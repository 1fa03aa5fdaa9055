package dev.tern.devices.port92;

import dev.tern.devices.isa.ByteWidePorts;
import dev.tern.spi.Registration;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.state.StateSection;

import java.util.List;
import java.util.Optional;

/**
 * System control port A (0x92, "fast A20"): bit 1 drives the A20 gate, writing bit 0 as 1 resets
 * the machine. The machine's A20 follows the latest request of this port or the keyboard
 * controller's output port.
 */
public final class SystemControlPortA implements Device {

    private final DeviceContext context;
    private Registration registration;
    private int value;

    SystemControlPortA(DeviceContext context) {
        this.context = context;
    }

    @Override
    public void realize() {
        registration = context.ports().register(context.instanceName(), 0x92, 1, new ByteWidePorts(0x92, 1) {
            @Override
            protected int readByte(int port) {
                synchronized (SystemControlPortA.this) {
                    return value;
                }
            }

            @Override
            protected void writeByte(int port, int v) {
                writeValue(v);
            }
        });
    }

    private void writeValue(int v) {
        boolean a20Changed;
        synchronized (this) {
            a20Changed = ((value ^ v) & 0x02) != 0;
            // Bit 0 is a self-clearing reset strobe.
            value = v & ~0x01;
        }
        if (a20Changed) {
            context.machine().setA20((v & 0x02) != 0);
        }
        if ((v & 0x01) != 0) {
            context.machine().requestReset();
        }
    }

    @Override
    public synchronized void reset() {
        value = 0;
    }

    @Override
    public void powerOff() {
        if (registration != null) {
            registration.close();
        }
    }

    /**
     * Saved state.
     *
     * @param value the port's bits (bit 0 always clear)
     */
    public record State(int value) {
    }

    @Override
    public List<StateSection<?>> sections() {
        return List.of(new StateSection<State>() {
            @Override
            public String name() {
                return "port92";
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
                synchronized (SystemControlPortA.this) {
                    return new State(value);
                }
            }

            @Override
            public Optional<String> validate(State s) {
                return (s.value() & ~0xfe) == 0 ? Optional.empty()
                        : Optional.of("port92: value " + s.value() + " is not a byte with bit 0 clear");
            }

            @Override
            public void load(State s) {
                synchronized (SystemControlPortA.this) {
                    value = s.value();
                }
            }
        });
    }
}
