package dev.tern.devices.port80;

import dev.tern.devices.isa.ByteWidePorts;
import dev.tern.spi.Registration;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.state.StateSection;

import java.util.List;
import java.util.Optional;

/**
 * The POST diagnostic port 0x80: firmware writes progress codes (and Linux writes it as an I/O
 * delay). The last value is kept and reads back; optionally each code is logged.
 */
public final class PostCodePort implements Device {

    private static final System.Logger LOG = System.getLogger(PostCodePort.class.getName());

    private final DeviceContext context;
    private final boolean log;
    private Registration registration;
    private int last;

    PostCodePort(DeviceContext context, boolean log) {
        this.context = context;
        this.log = log;
    }

    @Override
    public void realize() {
        registration = context.ports().register(context.instanceName(), 0x80, 1, new ByteWidePorts(0x80, 1) {
            @Override
            protected int readByte(int port) {
                return lastCode();
            }

            @Override
            protected void writeByte(int port, int value) {
                post(value);
            }
        });
    }

    private synchronized void post(int value) {
        last = value;
        if (log) {
            LOG.log(System.Logger.Level.INFO, "{0}: POST code 0x{1}", context.instanceName(), Integer.toHexString(value));
        }
    }

    /** The last code written. */
    public synchronized int lastCode() {
        return last;
    }

    @Override
    public synchronized void reset() {
        last = 0;
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
     * @param last the last POST code
     */
    public record State(int last) {
    }

    @Override
    public List<StateSection<?>> sections() {
        return List.of(new StateSection<State>() {
            @Override
            public String name() {
                return "port80";
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
                return new State(lastCode());
            }

            @Override
            public Optional<String> validate(State s) {
                return s.last() >= 0 && s.last() <= 0xff ? Optional.empty()
                        : Optional.of("port80: code " + s.last() + " is not a byte");
            }

            @Override
            public void load(State s) {
                synchronized (PostCodePort.this) {
                    last = s.last();
                }
            }
        });
    }
}
