package dev.tern.devices.pci;

import dev.tern.spi.Registration;
import dev.tern.spi.irq.InterruptRouting;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntConsumer;

/**
 * A PCI bus: 32 device slots (function 0 only), its INTx wiring and the way configuration cycles
 * reach it. Bus 0 is the host bridge's: as on a PIIX, slot {@code s} pin {@code p} (1 = INTA) drives
 * PIRQ {@code (s + p - 1) mod 4}, and each PIRQ is routed to a fixed ISA IRQ. A secondary bus sits
 * behind a PCI-to-PCI bridge: its pins reach the parent bus on the bridge's own pins, swizzled as the
 * PCI-to-PCI bridge spec wires them (pin {@code p} of slot {@code s} drives bridge pin
 * {@code ((p - 1 + s) mod 4) + 1}). Several functions may share one line; it is the OR of their pins.
 */
public final class PciBus {

    /** Slots on the bus. */
    public static final int SLOTS = 32;

    private final InterruptRouting routing;
    private final int[] pirqToIrq;
    private final PciBus parent;
    private final PciFunction bridge;
    private final String name;
    private final PciFunction[] slots = new PciFunction[SLOTS];
    /** Per slot, the pins (bit p-1) the function itself asserts and those its own secondary bus forwards. */
    private final int[] ownPins = new int[SLOTS];
    private final int[] forwardedPins = new int[SLOTS];
    private final boolean[] irqLevel = new boolean[256];
    private int upstreamPins;
    private IntConsumer attachListener = slot -> { };
    private ShpcController hotPlug;
    /** On bus 0: the secondary buses of the bridges, by name. */
    private final Map<String, PciBus> secondaries = new LinkedHashMap<>();

    /** Bus 0, routing PIRQA..D to the four IRQs in {@code pirqToIrq}. */
    public PciBus(InterruptRouting routing, int[] pirqToIrq) {
        if (pirqToIrq.length != 4) {
            throw new IllegalArgumentException("PCI IRQ routing needs 4 IRQs (PIRQA..D), got " + pirqToIrq.length);
        }
        for (int irq : pirqToIrq) {
            if (irq < 0 || irq > 15) {
                throw new IllegalArgumentException("PCI IRQ " + irq + " is not an ISA IRQ 0..15");
            }
        }
        this.routing = routing;
        this.pirqToIrq = pirqToIrq.clone();
        this.parent = null;
        this.bridge = null;
        this.name = "pci.0";
    }

    /** The secondary bus {@code name} behind {@code bridge}, a function on {@code parent}. */
    PciBus(String name, PciBus parent, PciFunction bridge) {
        this.routing = null;
        this.pirqToIrq = null;
        this.parent = parent;
        this.bridge = bridge;
        this.name = name;
    }

    /** QEMU's name of the bus: {@code pci.0}, or the id of the bridge it sits behind. */
    public String name() {
        return name;
    }

    /** This bus's number as configuration cycles address it: 0, or the secondary bus number of its bridge. */
    public int number() {
        return bridge == null ? 0 : bridge.read(PciBridgeHeader.SECONDARY_BUS, 1);
    }

    /**
     * The bus named {@code name} ({@code pci.0} or a bridge's id), for devices given {@code bus=}.
     *
     * @throws IllegalArgumentException naming the buses there are, when there is no such bus
     */
    public synchronized PciBus bus(String name) {
        if (name.equals(this.name)) {
            return this;
        }
        PciBus b = secondaries.get(name);
        if (b == null) {
            throw new IllegalArgumentException("Bus '" + name + "' not found; this machine's PCI buses are "
                    + String.join(", ", names()) + " (a 'pci-bridge' device adds one named after its id)");
        }
        return b;
    }

    private List<String> names() {
        var all = new ArrayList<String>();
        all.add(name);
        all.addAll(secondaries.keySet());
        return all;
    }

    /** Makes {@code secondary} findable by its name; the registration takes it away again. */
    synchronized Registration addSecondary(PciBus secondary) {
        if (secondaries.putIfAbsent(secondary.name(), secondary) != null || secondary.name().equals(name)) {
            throw new IllegalStateException("a PCI bus named '" + secondary.name() + "' exists already");
        }
        return () -> {
            synchronized (this) {
                secondaries.remove(secondary.name(), secondary);
            }
        };
    }

    /** The secondary buses behind bridges on this bus, in the order they were added. */
    public synchronized List<PciBus> secondaries() {
        return List.copyOf(secondaries.values());
    }

    /** Makes {@code controller} the hot-plug controller of this (secondary) bus's slots 1..31. */
    void hotPlug(ShpcController controller) {
        this.hotPlug = controller;
    }

    /** The bus's hot-plug controller, or null (bus 0 has none). */
    ShpcController hotPlugController() {
        return hotPlug;
    }

    /** Hears which slot a function was attached to (a hot-plug controller signals the card). */
    void onAttach(IntConsumer listener) {
        this.attachListener = listener;
    }

    /**
     * Puts {@code fn} into {@code slot}, or into the lowest free slot above 0 when {@code slot} is -1.
     *
     * @return removes the function again
     * @throws IllegalStateException when the slot is taken or the bus is full
     * @throws IllegalArgumentException when {@code slot} is out of range
     */
    public Registration attach(int slot, PciFunction fn) {
        int s;
        synchronized (this) {
            s = slot == -1 ? freeSlot(fn) : slot;
            if (s < 0 || s >= SLOTS) {
                throw new IllegalArgumentException(fn.owner() + ": PCI slot " + slot + " is not 0.." + (SLOTS - 1));
            }
            if (parent != null && s == 0) {
                throw new IllegalArgumentException(fn.owner() + ": slot 0 of bus '" + name + "' has no hot-plug slot;"
                        + " use addr=1..0x1f");
            }
            if (slots[s] != null) {
                throw new IllegalStateException(fn.owner() + ": PCI slot " + s + " is already taken by " + slots[s].owner());
            }
            slots[s] = fn;
        }
        fn.connect(this, s);
        attachListener.accept(s);
        int taken = s;
        return () -> detach(taken, fn);
    }

    private int freeSlot(PciFunction fn) {
        for (int s = 1; s < SLOTS; s++) {
            if (slots[s] == null) {
                return s;
            }
        }
        throw new IllegalStateException(fn.owner() + ": no free PCI slot on bus '" + name + "'");
    }

    private void detach(int slot, PciFunction fn) {
        synchronized (this) {
            if (slots[slot] != fn) {
                return;
            }
        }
        setIntx(slot, 0xf, false);
        synchronized (this) {
            slots[slot] = null;
        }
    }

    /** The function in {@code slot}, or null. */
    public synchronized PciFunction function(int slot) {
        return slot >= 0 && slot < SLOTS ? slots[slot] : null;
    }

    /** The ISA IRQ that pin {@code pin} (1..4) of {@code slot} is wired to, through every bridge above. */
    public int irqFor(int slot, int pin) {
        return parent == null ? pirqToIrq[(slot + pin - 1) & 3] : parent.irqFor(bridge.slot(), swizzle(slot, pin));
    }

    /** The bridge pin (1..4) that pin {@code pin} of {@code slot} on the secondary bus drives. */
    static int swizzle(int slot, int pin) {
        return ((pin - 1 + slot) & 3) + 1;
    }

    /**
     * A configuration read of {@code size} bytes at {@code offset} of function {@code function} of
     * {@code slot} on bus {@code busNumber}, which is this bus or one behind its bridges: all ones
     * when nothing answers, which is how a guest finds empty slots and buses.
     */
    public int configRead(int busNumber, int slot, int function, int offset, int size) {
        Optional<PciBus> target = route(busNumber);
        PciFunction fn = function == 0 && target.isPresent() ? target.get().function(slot) : null;
        return fn == null ? (int) ((1L << (8 * size)) - 1) : fn.read(offset, size);
    }

    /** A configuration write; dropped when nothing answers. */
    public void configWrite(int busNumber, int slot, int function, int offset, int size, int value) {
        Optional<PciBus> target = route(busNumber);
        PciFunction fn = function == 0 && target.isPresent() ? target.get().function(slot) : null;
        if (fn != null) {
            fn.write(offset, size, value);
        }
    }

    /** A configuration read on this bus. */
    public int configRead(int slot, int function, int offset, int size) {
        return configRead(number(), slot, function, offset, size);
    }

    /** A configuration write on this bus. */
    public void configWrite(int slot, int function, int offset, int size, int value) {
        configWrite(number(), slot, function, offset, size, value);
    }

    /**
     * The bus a cycle for {@code busNumber} reaches: this one, or the secondary bus of the bridge whose
     * secondary..subordinate range holds it (a bridge the guest left at bus 0 forwards nothing).
     */
    private Optional<PciBus> route(int busNumber) {
        if (busNumber == number()) {
            return Optional.of(this);
        }
        for (int s = 0; s < SLOTS; s++) {
            PciFunction fn = function(s);
            PciBus below = fn == null ? null : fn.secondaryBus();
            if (below == null) {
                continue;
            }
            int secondary = fn.read(PciBridgeHeader.SECONDARY_BUS, 1);
            int subordinate = fn.read(PciBridgeHeader.SUBORDINATE_BUS, 1);
            if (secondary != 0 && busNumber >= secondary && busNumber <= subordinate) {
                return below.route(busNumber);
            }
        }
        return Optional.empty();
    }

    /** Called by a function whose pin {@code pin} (1..4; 0xf for all) changed its effective level. */
    void setIntx(int slot, int pin, boolean level) {
        int mask = pin == 0xf ? 0xf : 1 << (pin - 1);
        synchronized (this) {
            if (slots[slot] == null) {
                return;
            }
            ownPins[slot] = level ? ownPins[slot] | mask : ownPins[slot] & ~mask;
        }
        propagate();
    }

    /** The pins the secondary bus behind the bridge in {@code slot} asserts through it. */
    void setForwarded(int slot, int pins) {
        synchronized (this) {
            forwardedPins[slot] = pins;
        }
        propagate();
    }

    private void propagate() {
        if (parent != null) {
            int up = 0;
            synchronized (this) {
                for (int s = 0; s < SLOTS; s++) {
                    int pins = ownPins[s] | forwardedPins[s];
                    for (int p = 1; p <= 4; p++) {
                        if ((pins & (1 << (p - 1))) != 0) {
                            up |= 1 << (swizzle(s, p) - 1);
                        }
                    }
                }
                if (up == upstreamPins) {
                    return;
                }
                upstreamPins = up;
            }
            parent.setForwarded(bridge.slot(), up);
            return;
        }
        boolean[] want = new boolean[irqLevel.length];
        boolean[] changed = new boolean[irqLevel.length];
        synchronized (this) {
            for (int s = 0; s < SLOTS; s++) {
                int pins = ownPins[s] | forwardedPins[s];
                for (int p = 1; p <= 4; p++) {
                    if ((pins & (1 << (p - 1))) != 0) {
                        want[irqFor(s, p)] = true;
                    }
                }
            }
            for (int irq : pirqToIrq) {
                changed[irq] |= irqLevel[irq] != want[irq]; // PIRQs may share an IRQ: seen once, changed once
                irqLevel[irq] = want[irq];
            }
        }
        for (int irq : pirqToIrq) {
            if (changed[irq]) {
                changed[irq] = false;
                routing.line(irq).set(want[irq]);
            }
        }
    }

    /** Which slots assert INTx now, through any pin (for tests and diagnostics). */
    public synchronized boolean[] intxLevels() {
        boolean[] out = new boolean[SLOTS];
        for (int s = 0; s < SLOTS; s++) {
            out[s] = (ownPins[s] | forwardedPins[s]) != 0;
        }
        return out;
    }

    @Override
    public String toString() {
        return "PCI bus '" + name + "'";
    }
}
