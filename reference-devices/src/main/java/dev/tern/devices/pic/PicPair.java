package dev.tern.devices.pic;

import dev.tern.devices.isa.ByteWidePorts;
import dev.tern.spi.Registration;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.irq.InterruptController;
import dev.tern.spi.irq.InterruptLine;
import dev.tern.spi.state.StateSection;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The PC's two cascaded 8259A interrupt controllers: master at 0x20/0x21 (IRQ 0-7), slave at
 * 0xA0/0xA1 (IRQ 8-15) on master input 2, and the PIIX edge/level control registers at
 * 0x4D0/0x4D1. Claims GSIs 0-15 and drives the CPU INTR pin.
 *
 * <p>GSI 2 has no pin: on an AT the ISA IRQ2 line is the cascade, so a level set on it is ignored.
 */
public final class PicPair implements Device, InterruptController {

    /** Master input the slave is cascaded on. */
    static final int CASCADE = 2;
    /** ELCR: IRQ 0, 1 and 2 are always edge triggered. */
    private static final int MASTER_ELCR_MASK = 0xf8;
    /** ELCR: IRQ 8 and 13 are always edge triggered. */
    private static final int SLAVE_ELCR_MASK = 0xde;

    private final DeviceContext context;
    private final Pic8259 master = new Pic8259(MASTER_ELCR_MASK);
    private final Pic8259 slave = new Pic8259(SLAVE_ELCR_MASK);
    private final List<Registration> registrations = new ArrayList<>();
    private InterruptLine intr = InterruptLine.NONE;
    private boolean intrLevel;

    public PicPair(DeviceContext context) {
        this.context = context;
    }

    @Override
    public void realize() {
        registrations.add(context.ports().register(context.instanceName() + " master", 0x20, 2, chipPorts(master, 0x20)));
        registrations.add(context.ports().register(context.instanceName() + " slave", 0xa0, 2, chipPorts(slave, 0xa0)));
        registrations.add(context.ports().register(context.instanceName() + " elcr", 0x4d0, 2, new ByteWidePorts(0x4d0, 2) {
            @Override
            protected int readByte(int port) {
                synchronized (PicPair.this) {
                    return (port == 0x4d0 ? master : slave).readElcr();
                }
            }

            @Override
            protected void writeByte(int port, int value) {
                synchronized (PicPair.this) {
                    (port == 0x4d0 ? master : slave).writeElcr(value);
                    update();
                }
            }
        }));
        intr = context.interrupts().connectCpu(this);
        registrations.add(context.interrupts().claim(context.instanceName(), 0, 16, this::setInput));
    }

    private ByteWidePorts chipPorts(Pic8259 chip, int base) {
        return new ByteWidePorts(base, 2) {
            @Override
            protected int readByte(int port) {
                synchronized (PicPair.this) {
                    return port == base ? readCommandPort(chip) : chip.imr;
                }
            }

            @Override
            protected void writeByte(int port, int value) {
                synchronized (PicPair.this) {
                    if (port == base) {
                        chip.writeCommand(value);
                    } else {
                        chip.writeData(value);
                    }
                    update();
                }
            }
        };
    }

    /** An input line changed: GSI 0-7 master, 8-15 slave. */
    synchronized void setInput(int gsi, boolean level) {
        if (gsi < 0 || gsi >= 16 || gsi == CASCADE) {
            return;
        }
        if (gsi < 8) {
            master.setPin(gsi, level);
        } else {
            slave.setPin(gsi - 8, level);
        }
        update();
    }

    private int readCommandPort(Pic8259 chip) {
        if (!chip.pollPending) {
            return chip.readStatus();
        }
        // Poll: this read is the acknowledge; bit 7 says whether anything was requesting.
        chip.pollPending = false;
        int irq = chip.pendingIrq(chip == master ? CASCADE : -1);
        if (irq < 0) {
            return 0;
        }
        chip.acknowledge(irq);
        update();
        return 0x80 | irq;
    }

    @Override
    public synchronized int acknowledge() {
        int irq = master.pendingIrq(CASCADE);
        int vector;
        if (irq < 0) {
            vector = master.vectorBase | 7;
        } else {
            master.acknowledge(irq);
            if (irq == CASCADE) {
                int s = slave.pendingIrq(-1);
                if (s < 0) {
                    vector = slave.vectorBase | 7;
                } else {
                    slave.acknowledge(s);
                    vector = slave.vectorBase + s;
                }
            } else {
                vector = master.vectorBase + irq;
            }
        }
        update();
        return vector & 0xff;
    }

    /** Recomputes the slave's INT output into master input 2 and the master's into INTR. */
    private void update() {
        boolean slaveOut = slave.pendingIrq(-1) >= 0;
        if (slaveOut != ((master.pins & (1 << CASCADE)) != 0)) {
            master.setPin(CASCADE, slaveOut);
        }
        boolean out = master.pendingIrq(CASCADE) >= 0;
        if (out != intrLevel) {
            intrLevel = out;
            intr.set(out);
        }
    }

    /** Whether the CPU INTR pin is high. */
    public synchronized boolean intrLevel() {
        return intrLevel;
    }

    @Override
    public synchronized void reset() {
        master.reset();
        slave.reset();
        update();
    }

    @Override
    public void powerOff() {
        registrations.forEach(Registration::close);
        registrations.clear();
    }

    @Override
    public List<StateSection<?>> sections() {
        return List.of(new StateSection<PicState>() {
            @Override
            public String name() {
                return "i8259";
            }

            @Override
            public String instance() {
                return context.instanceName();
            }

            @Override
            public Class<PicState> stateType() {
                return PicState.class;
            }

            @Override
            public PicState save() {
                synchronized (PicPair.this) {
                    return new PicState(master.save(), slave.save());
                }
            }

            @Override
            public Optional<String> validate(PicState s) {
                if (s.master() == null || s.slave() == null) {
                    return Optional.of("i8259 state lacks a chip");
                }
                return s.master().problem("master").or(() -> s.slave().problem("slave"));
            }

            @Override
            public void load(PicState s) {
                synchronized (PicPair.this) {
                    master.load(s.master());
                    slave.load(s.slave());
                    update();
                }
            }
        });
    }
}
