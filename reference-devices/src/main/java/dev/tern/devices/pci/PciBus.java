package dev.tern.devices.pci;

import dev.tern.spi.Registration;
import dev.tern.spi.irq.InterruptLine;
import dev.tern.spi.irq.InterruptRouting;

import java.util.Arrays;

/**
 * PCI bus 0: 32 device slots (function 0 only) and the INTx wiring. As on a PIIX, slot {@code s}
 * pin {@code p} (1 = INTA) drives PIRQ {@code (s + p - 1) mod 4}, and each PIRQ is routed to a fixed
 * ISA IRQ. Several functions may share one IRQ; the line is the OR of their pins, so a shared
 * level-triggered IRQ stays asserted while any of them asserts it.
 */
public final class PciBus {

    /** Slots on the bus. */
    public static final int SLOTS = 32;

    private final InterruptRouting routing;
    private final int[] pirqToIrq;
    private final PciFunction[] slots = new PciFunction[SLOTS];
    private final boolean[] intx = new boolean[SLOTS];
    private final boolean[] irqLevel = new boolean[256];

    /** A bus routing PIRQA..D to the four IRQs in {@code pirqToIrq}. */
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
            if (slots[s] != null) {
                throw new IllegalStateException(fn.owner() + ": PCI slot " + s + " is already taken by " + slots[s].owner());
            }
            slots[s] = fn;
        }
        fn.connect(this, s);
        int taken = s;
        return () -> detach(taken, fn);
    }

    private int freeSlot(PciFunction fn) {
        for (int s = 1; s < SLOTS; s++) {
            if (slots[s] == null) {
                return s;
            }
        }
        throw new IllegalStateException(fn.owner() + ": no free PCI slot on bus 0");
    }

    private void detach(int slot, PciFunction fn) {
        synchronized (this) {
            if (slots[slot] != fn) {
                return;
            }
        }
        setIntx(slot, false);
        synchronized (this) {
            slots[slot] = null;
        }
    }

    /** The function in {@code slot}, or null. */
    public synchronized PciFunction function(int slot) {
        return slot >= 0 && slot < SLOTS ? slots[slot] : null;
    }

    /** The ISA IRQ that pin {@code pin} (1..4) of {@code slot} is wired to. */
    public int irqFor(int slot, int pin) {
        return pirqToIrq[(slot + pin - 1) & 3];
    }

    /**
     * A configuration read of {@code size} bytes at {@code offset} of {@code slot}/{@code function}:
     * all ones when nothing answers, which is how a guest finds empty slots.
     */
    public int configRead(int slot, int function, int offset, int size) {
        PciFunction fn = function == 0 ? function(slot) : null;
        return fn == null ? (int) ((1L << (8 * size)) - 1) : fn.read(offset, size);
    }

    /** A configuration write; dropped when nothing answers. */
    public void configWrite(int slot, int function, int offset, int size, int value) {
        PciFunction fn = function == 0 ? function(slot) : null;
        if (fn != null) {
            fn.write(offset, size, value);
        }
    }

    /** Called by a function whose effective INTx level changed. */
    void setIntx(int slot, boolean level) {
        PciFunction fn;
        int irq;
        boolean any;
        synchronized (this) {
            fn = slots[slot];
            if (fn == null || intx[slot] == level) {
                return;
            }
            intx[slot] = level;
            irq = irqFor(slot, 1);
            any = false;
            for (int s = 0; s < SLOTS; s++) {
                any |= intx[s] && irqFor(s, 1) == irq;
            }
            if (irqLevel[irq] == any) {
                return;
            }
            irqLevel[irq] = any;
        }
        InterruptLine line = routing.line(irq);
        line.set(any);
    }

    /** Which slots assert INTx now (for tests and diagnostics). */
    public synchronized boolean[] intxLevels() {
        return Arrays.copyOf(intx, SLOTS);
    }
}
