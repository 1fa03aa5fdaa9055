package dev.tern.devices.apic;

import dev.tern.spi.Registration;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.io.MmioHandler;
import dev.tern.spi.state.StateSection;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * An I/O APIC (82093AA register model, version 0x20 as in PIIX3/ICH chipsets): IOREGSEL at
 * offset 0x00, IOWIN at 0x10, the EOI register of version 0x20 at 0x40, and 24 redirection
 * entries that turn input pins into messages on the {@link ApicBus}.
 *
 * <p>Edge inputs send a message on each active edge while unmasked (a masked edge is lost). Level
 * inputs send while active, unmasked and with remote IRR clear; fixed and lowest-priority level
 * messages set remote IRR, which the local APIC's EOI broadcast (or the EOI register) of that
 * vector clears, sending again if the pin is still active. State changes run under the bus lock.
 */
public final class IoApic implements Device {

    /** Redirection entries (input pins). */
    public static final int PINS = 24;
    /** The version register: version 0x20, highest entry 23. */
    static final int VERSION = 0x20 | (PINS - 1) << 16;
    private static final long MASKED = 1L << 16;
    private static final long LEVEL = 1L << 15;
    private static final long REMOTE_IRR = 1L << 14;
    private static final long ACTIVE_LOW = 1L << 13;
    /** Writable bits: vector, delivery mode, destination mode, polarity, trigger, mask, destination. */
    private static final long WRITABLE = 0xff00_0000_0001_afffL;

    private final DeviceContext context;
    private final long base;
    private final int gsiBase;
    private final int resetId;
    /** PC wiring: the ISA IRQs are shared with the 8259 (see {@link #isaPin}). */
    private final boolean isa;
    private final List<Registration> registrations = new ArrayList<>();
    private ApicBus bus;
    private Object lock = this;
    private int id;
    private int select;
    private final long[] entries = new long[PINS];
    private int pins;

    public IoApic(DeviceContext context) {
        this.context = context;
        this.base = context.config().integer("base");
        this.gsiBase = Math.toIntExact(context.config().integer("gsi-base"));
        this.isa = context.config().bool("isa");
        if (isa && gsiBase != 0) {
            throw new IllegalArgumentException(context.instanceName() + ": isa=true wires ISA IRQs 0-15, so gsi-base must be 0, not " + gsiBase);
        }
        long configuredId = context.config().integer("id");
        long defaultId = Math.min(15, context.interrupts().cpuCount());
        this.resetId = (int) (configuredId < 0 ? defaultId : configuredId);
        if (resetId < 0 || resetId > 15) {
            throw new IllegalArgumentException(context.instanceName() + ": I/O APIC ID " + configuredId + " is not 0..15");
        }
        if ((base & 0xfff) != 0) {
            throw new IllegalArgumentException(context.instanceName() + ": base 0x" + Long.toHexString(base)
                    + " is not page aligned");
        }
    }

    @Override
    public void realize() {
        bus = context.services().find(ApicBus.class).orElseThrow(() -> new IllegalStateException(
                context.instanceName() + ": an I/O APIC sends to local APICs; add the 'lapic' device"));
        lock = bus.lock();
        registrations.add(bus.onEoi(this::eoi));
        registrations.add(context.mmio().map(context.instanceName(), base, 0x1000, new MmioHandler() {
            @Override
            public long read(long offset, int size) {
                synchronized (lock) {
                    return readWindow(offset, size);
                }
            }

            @Override
            public void write(long offset, int size, long value) {
                synchronized (lock) {
                    writeWindow(offset, (int) value);
                }
            }
        }));
        if (isa) {
            registrations.add(context.interrupts().tap(context.instanceName(), 0, ISA_IRQS, (irq, level) -> {
                int pin = isaPin(irq);
                if (pin >= 0) {
                    setPin(pin, level);
                }
            }));
            registrations.add(context.interrupts().claim(context.instanceName(), ISA_IRQS, PINS - ISA_IRQS,
                    (i, level) -> setPin(ISA_IRQS + i, level)));
        } else {
            registrations.add(context.interrupts().claim(context.instanceName(), gsiBase, PINS, this::setPin));
        }
    }

    private static final int ISA_IRQS = 16;

    /**
     * The input an ISA IRQ reaches on a PC, as the MP table announces it: IRQ 0 (the PIT) on INTIN 2,
     * IRQ 2 (the 8259 cascade) nowhere, the others on the INTIN of their number; -1 for none.
     */
    public static int isaPin(int irq) {
        return switch (irq) {
            case 0 -> 2;
            case 2 -> -1;
            default -> irq;
        };
    }

    /** The I/O APIC ID it resets to (what an MP table must announce). */
    public int resetId() {
        return resetId;
    }

    private long readWindow(long offset, int size) {
        long v = switch ((int) offset) {
            case 0x00 -> select;
            case 0x10 -> Integer.toUnsignedLong(readRegister(select));
            default -> 0;
        };
        return size >= 4 ? v : v & ((1L << (size * 8)) - 1);
    }

    private void writeWindow(long offset, int value) {
        switch ((int) offset) {
            case 0x00 -> select = value & 0xff;
            case 0x10 -> writeRegister(select, value);
            case 0x40 -> eoi(value & 0xff);
            default -> { } // nothing else decodes in the page
        }
    }

    int readRegister(int index) {
        if (index == 0x00) {
            return id << 24;
        }
        if (index == 0x01) {
            return VERSION;
        }
        if (index == 0x02) {
            return id << 24; // arbitration ID follows the ID
        }
        int pin = (index - 0x10) >> 1;
        if (index < 0x10 || pin >= PINS) {
            return 0;
        }
        return (index & 1) == 0 ? (int) entries[pin] : (int) (entries[pin] >>> 32);
    }

    void writeRegister(int index, int value) {
        if (index == 0x00) {
            id = (value >>> 24) & 0xf;
            return;
        }
        int pin = (index - 0x10) >> 1;
        if (index < 0x10 || pin >= PINS) {
            return; // version, arbitration and unimplemented registers are read-only
        }
        long e = entries[pin];
        long written = (index & 1) == 0 ? (e & 0xffff_ffff_0000_0000L) | Integer.toUnsignedLong(value)
                : (e & 0xffff_ffffL) | (long) value << 32;
        entries[pin] = (written & WRITABLE) | (e & REMOTE_IRR);
        if ((entries[pin] & LEVEL) == 0) {
            entries[pin] &= ~REMOTE_IRR;
        }
        service(pin, false);
    }

    private boolean active(int pin) {
        return ((pins >>> pin) & 1) != 0 ^ (entries[pin] & ACTIVE_LOW) != 0;
    }

    /** Input {@code pin} changed level (from the GSI line). */
    private void setPin(int pin, boolean level) {
        synchronized (lock) {
            boolean was = active(pin);
            pins = level ? pins | (1 << pin) : pins & ~(1 << pin);
            service(pin, active(pin) && !was);
        }
    }

    /** Sends the pin's message if it is due: an active edge, or an active level without remote IRR. */
    private void service(int pin, boolean risingEdge) {
        long e = entries[pin];
        if ((e & MASKED) != 0 || !active(pin)) {
            return;
        }
        boolean level = (e & LEVEL) != 0;
        if (!level && !risingEdge) {
            return;
        }
        DeliveryMode mode = DeliveryMode.of((int) (e >> 8));
        if (level) {
            if ((e & REMOTE_IRR) != 0) {
                return;
            }
            if (mode == DeliveryMode.FIXED || mode == DeliveryMode.LOWEST_PRIORITY) {
                entries[pin] = e | REMOTE_IRR;
            }
        }
        bus.deliver(ApicMessage.fromIoApic(mode, (int) (e & 0xff), (e & 0x800) != 0, (int) (e >>> 56), level));
    }

    /** A local APIC's EOI of a level-triggered {@code vector}: clears remote IRR and sends again if still active. */
    private void eoi(int vector) {
        for (int pin = 0; pin < PINS; pin++) {
            if ((entries[pin] & REMOTE_IRR) != 0 && (entries[pin] & 0xff) == vector) {
                entries[pin] &= ~REMOTE_IRR;
                service(pin, false);
            }
        }
    }

    @Override
    public void reset() {
        synchronized (lock) {
            id = resetId;
            select = 0;
            Arrays.fill(entries, MASKED);
        }
    }

    @Override
    public void powerOff() {
        registrations.forEach(Registration::close);
        registrations.clear();
    }

    @Override
    public List<StateSection<?>> sections() {
        return List.of(new StateSection<IoApicState>() {
            @Override
            public String name() {
                return "ioapic";
            }

            @Override
            public String instance() {
                return context.instanceName();
            }

            @Override
            public Class<IoApicState> stateType() {
                return IoApicState.class;
            }

            @Override
            public IoApicState save() {
                synchronized (lock) {
                    return new IoApicState(id, select, entries.clone(), pins);
                }
            }

            @Override
            public Optional<String> validate(IoApicState s) {
                return s.problem("ioapic " + context.instanceName());
            }

            @Override
            public void load(IoApicState s) {
                synchronized (lock) {
                    id = s.id();
                    select = s.select();
                    for (int i = 0; i < PINS; i++) {
                        entries[i] = s.entries()[i] & (WRITABLE | REMOTE_IRR);
                    }
                    pins = s.pins();
                }
            }
        });
    }
}
