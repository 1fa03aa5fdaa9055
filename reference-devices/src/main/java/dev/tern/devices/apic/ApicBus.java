package dev.tern.devices.apic;

import dev.tern.devices.pci.MsiTarget;
import dev.tern.spi.Registration;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.io.MmioHandler;
import dev.tern.spi.irq.InterruptController;
import dev.tern.spi.irq.InterruptLine;
import dev.tern.spi.state.StateSection;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;

/**
 * The local APICs of every vCPU and the bus between them: IPIs from one APIC's ICR, messages from
 * I/O APICs, and EOI broadcasts back to the I/O APICs all travel here, under one lock, so two APICs
 * interrupting each other cannot deadlock and every receiver sees messages in one order.
 *
 * <p>Each APIC connects to its vCPU through {@code InterruptRouting.connectCpu(vcpu, apic)}. The
 * register page at {@link #BASE} belongs to the CPU that reads it, so it is not mapped in the shared
 * MMIO space: the CPU side maps {@link #registers(int)} in front of it for its own vCPU. The bus is
 * published as a machine service for the I/O APIC to find, and as the {@link MsiTarget} PCI
 * functions send their MSI-X messages to.
 */
public final class ApicBus implements Device {

    /** Where every CPU sees its own APIC's register page (IA32_APIC_BASE at reset). */
    public static final long BASE = 0xfee0_0000L;
    /** The register page's size. */
    public static final long SIZE = 0x1000;

    private final DeviceContext context;
    private final Object lock = new Object();
    private final List<LocalApic> apics = new ArrayList<>();
    private final List<IntConsumer> eoiListeners = new CopyOnWriteArrayList<>();
    private final List<Registration> registrations = new ArrayList<>();
    private volatile InterruptController extInt = () -> 0xff;

    public ApicBus(DeviceContext context) {
        this.context = context;
        int cpus = context.interrupts().cpuCount();
        if (cpus < 1 || cpus > 255) {
            throw new IllegalArgumentException("the xAPIC bus addresses 1..255 CPUs, not " + cpus);
        }
        for (int i = 0; i < cpus; i++) {
            LocalApic[] self = new LocalApic[1];
            LocalApic apic = new LocalApic(lock, i, new LocalApic.Outbox() {
                @Override
                public void send(ApicMessage message) {
                    route(message, self[0]);
                }

                @Override
                public void eoi(int vector) {
                    eoiListeners.forEach(l -> l.accept(vector));
                }
            }, () -> extInt.acknowledge(), new ApicTimer(context.clock()));
            self[0] = apic;
            apics.add(apic);
        }
        registrations.add(context.services().publish(ApicBus.class, this));
        registrations.add(context.services().publish(MsiTarget.class, this::deliverMsi));
    }

    /**
     * Connects each APIC to its vCPU and maps its register page for that vCPU alone; the 8259's
     * INTR (virtual-wire mode) reaches every LINT0, and an ExtINT acknowledge reaches the 8259.
     */
    @Override
    public void realize() {
        for (LocalApic a : apics) {
            a.attach(context.interrupts().connectCpu(a.index(), a));
            a.timerConnect(context.instanceName() + " cpu" + a.index() + " timer");
            registrations.add(context.mmio().mapForCpu(a.index(), context.instanceName() + " cpu" + a.index(), BASE, SIZE, a));
        }
        List<InterruptLine> lint0 = apics.stream().map(a -> lint(a.index(), 0)).toList();
        connectExtInt(context.interrupts().connectVirtualWire(level -> lint0.forEach(l -> l.set(level))));
    }

    /** How many local APICs (one per vCPU). */
    public int cpuCount() {
        return apics.size();
    }

    /** The register page of vCPU {@code vcpu}'s APIC, for that CPU to map at {@link #BASE}. */
    public MmioHandler registers(int vcpu) {
        return apic(vcpu);
    }

    /**
     * The wire into LINT0 ({@code pin} 0; on a PC the 8259's INTR, for virtual-wire mode) or LINT1
     * (pin 1; NMI) of vCPU {@code vcpu}'s APIC.
     */
    public InterruptLine lint(int vcpu, int pin) {
        if (pin != 0 && pin != 1) {
            throw new IllegalArgumentException("a local APIC has LINT0 and LINT1, not LINT" + pin);
        }
        LocalApic a = apic(vcpu);
        return level -> {
            synchronized (lock) {
                a.setLint(pin, level);
            }
        };
    }

    /** The 8259 an ExtINT delivery acknowledges; until one connects the acknowledge reads 0xff. */
    public void connectExtInt(InterruptController controller) {
        extInt = Objects.requireNonNull(controller, "controller");
    }

    private LocalApic apic(int vcpu) {
        if (vcpu < 0 || vcpu >= apics.size()) {
            throw new IllegalArgumentException("vCPU " + vcpu + " has no local APIC (0.." + (apics.size() - 1) + ")");
        }
        return apics.get(vcpu);
    }

    /** Delivers a message from an I/O APIC. */
    void deliver(ApicMessage message) {
        synchronized (lock) {
            route(message, null);
        }
    }

    /**
     * A PCI function's message-signalled interrupt: address bits 19:12 the destination, bit 2
     * logical mode; data bits 7:0 the vector, 10:8 the delivery mode, 15 level trigger, 14 the
     * level (a level de-assert message changes nothing on an xAPIC). A level-triggered vector's
     * EOI is broadcast as any other (no I/O APIC input waits for it).
     */
    void deliverMsi(long address, int data) {
        boolean level = (data & 1 << 15) != 0;
        boolean asserted = !level || (data & 1 << 14) != 0;
        if (asserted) {
            deliver(new ApicMessage(DeliveryMode.of(data >>> 8), data & 0xff, (address & 4) != 0,
                    (int) (address >>> 12) & 0xff, ApicMessage.Shorthand.NONE, level, true, -1));
        }
    }

    /** Lets an I/O APIC hear EOIs of level-triggered vectors; runs under the bus lock. */
    Registration onEoi(IntConsumer listener) {
        eoiListeners.add(listener);
        return () -> eoiListeners.remove(listener);
    }

    /** The bus lock, which I/O APICs share so EOI broadcasts and their messages are one order. */
    Object lock() {
        return lock;
    }

    /** Called under the lock. Lowest priority picks the lowest processor priority, ties to the lowest APIC. */
    private void route(ApicMessage m, LocalApic sender) {
        List<LocalApic> targets = switch (m.shorthand()) {
            case SELF -> sender == null ? List.of() : List.of(sender);
            case ALL_INCLUDING_SELF -> apics;
            case ALL_EXCLUDING_SELF -> apics.stream().filter(a -> a != sender).toList();
            case NONE -> apics.stream().filter(a -> a.matches(m.logical(), m.destination())).toList();
        };
        if (m.mode() == DeliveryMode.LOWEST_PRIORITY && targets.size() > 1) {
            targets = List.of(targets.stream().min(Comparator.comparingInt((LocalApic a) -> a.ppr() & 0xf0)
                    .thenComparingInt(LocalApic::index)).orElseThrow());
        }
        for (LocalApic a : targets) {
            a.accept(m);
        }
    }

    @Override
    public void reset() {
        synchronized (lock) {
            apics.forEach(LocalApic::powerOn);
        }
    }

    @Override
    public void powerOff() {
        apics.forEach(LocalApic::powerOff);
        registrations.forEach(Registration::close);
        registrations.clear();
    }

    @Override
    public List<StateSection<?>> sections() {
        return apics.stream().<StateSection<?>>map(this::section).toList();
    }

    private StateSection<LocalApicState> section(LocalApic a) {
        String where = "lapic " + context.instanceName() + "/cpu" + a.index();
        return new StateSection<>() {
            @Override
            public String name() {
                return "lapic";
            }

            @Override
            public String instance() {
                return context.instanceName() + "/cpu" + a.index();
            }

            @Override
            public Class<LocalApicState> stateType() {
                return LocalApicState.class;
            }

            @Override
            public LocalApicState save() {
                synchronized (lock) {
                    return a.save();
                }
            }

            @Override
            public Optional<String> validate(LocalApicState s) {
                return s.problem(where);
            }

            @Override
            public void load(LocalApicState s) {
                synchronized (lock) {
                    a.load(s);
                }
            }
        };
    }
}
