package dev.tern.devices.pit;

import dev.tern.devices.time.Timebase;
import dev.tern.devices.isa.ByteWidePorts;
import dev.tern.spi.Registration;
import dev.tern.spi.clock.Timer;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.irq.InterruptLine;
import dev.tern.spi.state.StateSection;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The 8254 programmable interval timer at 0x40-0x43 and system control port B at 0x61.
 *
 * <p>Channel 0's OUT drives IRQ0 as a level (the PIC detects the rising edge); a timer is armed only
 * for the next change of that output, so an idle or one-shot channel costs nothing. Channel 1 (DRAM
 * refresh) is not observable except as port 0x61 bit 4, which toggles every 15.085 us of virtual
 * time. Channel 2's gate is port 0x61 bit 0 and its OUT is readable as bit 5.
 */
public final class Pit8254 implements Device {

    /** Period of the refresh-request toggle in port 0x61 bit 4. */
    static final long REFRESH_TOGGLE_NANOS = 15_085;

    private final DeviceContext context;
    private final PitChannel[] channels = {new PitChannel(), new PitChannel(), new PitChannel()};
    private final List<Registration> registrations = new ArrayList<>();
    private InterruptLine irq0 = InterruptLine.NONE;
    private Timer timer;
    private boolean irqLevel;
    private int portB;

    public Pit8254(DeviceContext context) {
        this.context = context;
    }

    @Override
    public void realize() {
        irq0 = context.interrupts().line(0);
        timer = context.clock().newTimer(context.instanceName() + " irq0", this::onTimer);
        registrations.add(context.ports().register(context.instanceName(), 0x40, 4, new ByteWidePorts(0x40, 4) {
            @Override
            protected int readByte(int port) {
                return readCounterPort(port - 0x40);
            }

            @Override
            protected void writeByte(int port, int value) {
                if (port == 0x43) {
                    writeControl(value);
                } else {
                    writeCounterPort(port - 0x40, value);
                }
            }
        }));
        registrations.add(context.ports().register(context.instanceName() + " port-b", 0x61, 1, new ByteWidePorts(0x61, 1) {
            @Override
            protected int readByte(int port) {
                return readPortB();
            }

            @Override
            protected void writeByte(int port, int value) {
                writePortB(value);
            }
        }));
    }

    private long now() {
        return Timebase.PIT.ticksAt(context.clock().nanos());
    }

    private synchronized int readCounterPort(int channel) {
        if (channel == 3) {
            return 0xff; // the control word register is write-only
        }
        return channels[channel].readData(now()) & 0xff;
    }

    private synchronized void writeCounterPort(int channel, int value) {
        channels[channel].writeData(value, now());
        if (channel == 0) {
            updateIrq0();
        }
    }

    private synchronized void writeControl(int value) {
        int select = value >> 6;
        long now = now();
        if (select == 3) {
            readBack(value, now);
            return;
        }
        PitChannel c = channels[select];
        int access = (value >> 4) & 3;
        if (access == PitChannel.ACCESS_LATCH) {
            c.latchCount(now);
        } else {
            c.program(access, (value >> 1) & 7, (value & 1) != 0);
        }
        if (select == 0) {
            updateIrq0();
        }
    }

    private void readBack(int value, long now) {
        for (int i = 0; i < 3; i++) {
            if ((value & (2 << i)) == 0) {
                continue;
            }
            // Status first: if both are latched, the first read returns the status.
            if ((value & 0x10) == 0) {
                channels[i].latchStatus(now);
            }
            if ((value & 0x20) == 0) {
                channels[i].latchCount(now);
            }
        }
    }

    private synchronized int readPortB() {
        long nanos = context.clock().nanos();
        boolean refresh = (nanos / REFRESH_TOGGLE_NANOS & 1) != 0;
        boolean out2 = channels[2].out(Timebase.PIT.ticksAt(nanos));
        return (portB & 0x0f) | (refresh ? 0x10 : 0) | (out2 ? 0x20 : 0);
    }

    private synchronized void writePortB(int value) {
        portB = value & 0x0f;
        channels[2].setGate((value & 1) != 0, now());
    }

    /** Whether the speaker is driven (gate and data enable both set and OUT2 high). */
    public synchronized boolean speakerHigh() {
        return (portB & 3) == 3 && channels[2].out(now());
    }

    private synchronized void onTimer() {
        updateIrq0();
    }

    /** Drives IRQ0 from channel 0's OUT and arms the timer for its next change. */
    private void updateIrq0() {
        long now = now();
        boolean out = channels[0].out(now);
        if (out != irqLevel) {
            irqLevel = out;
            irq0.set(out);
        }
        long next = channels[0].nextOutChangeTick(now);
        if (next < 0) {
            timer.cancel();
        } else {
            timer.armAt(Timebase.PIT.nanosAtTick(next));
        }
    }

    @Override
    public synchronized void reset() {
        for (int i = 0; i < 3; i++) {
            channels[i].reset(i != 2);
        }
        portB = 0;
        updateIrq0();
    }

    @Override
    public void powerOff() {
        if (timer != null) {
            timer.cancel();
        }
        registrations.forEach(Registration::close);
        registrations.clear();
    }

    @Override
    public List<StateSection<?>> sections() {
        return List.of(new StateSection<PitState>() {
            @Override
            public String name() {
                return "i8254";
            }

            @Override
            public String instance() {
                return context.instanceName();
            }

            @Override
            public Class<PitState> stateType() {
                return PitState.class;
            }

            @Override
            public PitState save() {
                synchronized (Pit8254.this) {
                    return new PitState(List.of(channels[0].save(), channels[1].save(), channels[2].save()), portB);
                }
            }

            @Override
            public Optional<String> validate(PitState s) {
                if (s.channels() == null || s.channels().size() != 3) {
                    return Optional.of("i8254 state must have 3 channels");
                }
                if (s.portB() < 0 || s.portB() > 0x0f) {
                    return Optional.of("i8254 port B value " + s.portB() + " is not 0..15");
                }
                for (int i = 0; i < 3; i++) {
                    Optional<String> p = s.channels().get(i).problem(i);
                    if (p.isPresent()) {
                        return p;
                    }
                }
                return Optional.empty();
            }

            @Override
            public void load(PitState s) {
                synchronized (Pit8254.this) {
                    for (int i = 0; i < 3; i++) {
                        channels[i].load(s.channels().get(i));
                    }
                    portB = s.portB();
                    updateIrq0();
                }
            }
        });
    }
}
