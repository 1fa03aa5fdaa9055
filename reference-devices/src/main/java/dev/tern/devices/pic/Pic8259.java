package dev.tern.devices.pic;

/**
 * One 8259A programmable interrupt controller: request, mask and in-service registers, priority
 * resolution with rotation, the ICW1-4 initialisation sequence and OCW2/OCW3 commands. It knows
 * nothing about cascading; {@link PicPair} wires two of them together.
 */
final class Pic8259 {

    /** ELCR bits a chip does not implement stay zero. */
    private final int elcrWritable;

    int irr;
    int imr;
    int isr;
    /** Current input pin levels (wire state, kept across resets). */
    int pins;
    /** Edge detector memory: inputs seen high since their last rising edge was latched. */
    int edgeSeen;
    int elcr;
    int lowestPriority = 7;
    int vectorBase;
    /** 0 = operational, 1..3 = expecting ICW2, ICW3, ICW4. */
    int initStep;
    boolean icw4Needed;
    boolean single;
    boolean levelTriggered;
    boolean autoEoi;
    boolean rotateOnAutoEoi;
    boolean specialMask;
    boolean specialFullyNested;
    boolean pollPending;
    boolean readIsr;
    int icw3;
    boolean x86Mode;

    Pic8259(int elcrWritable) {
        this.elcrWritable = elcrWritable;
    }

    /** Power-on / device reset: registers cleared, pins remembered. */
    void reset() {
        irr = 0;
        imr = 0;
        isr = 0;
        elcr = 0;
        lowestPriority = 7;
        vectorBase = 0;
        initStep = 0;
        icw4Needed = false;
        single = false;
        levelTriggered = false;
        autoEoi = false;
        rotateOnAutoEoi = false;
        specialMask = false;
        specialFullyNested = false;
        pollPending = false;
        readIsr = false;
        icw3 = 0;
        x86Mode = false;
        edgeSeen = pins;
    }

    private int levelMask() {
        return levelTriggered ? 0xff : elcr;
    }

    /** An input pin changed level. */
    void setPin(int irq, boolean level) {
        int bit = 1 << irq;
        if (level) {
            pins |= bit;
            if ((levelMask() & bit) != 0) {
                irr |= bit;
            } else if ((edgeSeen & bit) == 0) {
                irr |= bit;
            }
            edgeSeen |= bit;
        } else {
            pins &= ~bit;
            edgeSeen &= ~bit;
            if ((levelMask() & bit) != 0) {
                irr &= ~bit;
            }
        }
    }

    /** Priority rank of {@code irq}: 0 is highest. */
    private int rank(int irq) {
        return (irq - lowestPriority - 1) & 7;
    }

    /** The highest-priority IRQ set in {@code bits}, or -1. */
    private int highest(int bits) {
        if (bits == 0) {
            return -1;
        }
        for (int r = 0; r < 8; r++) {
            int irq = (r + lowestPriority + 1) & 7;
            if ((bits & (1 << irq)) != 0) {
                return irq;
            }
        }
        return -1;
    }

    /** The IRQ this chip would present to the CPU now, or -1. */
    int pendingIrq(int cascadeInput) {
        int requested = irr & ~imr;
        if (specialMask) {
            // Special mask mode: any unmasked request not itself in service may interrupt.
            return highest(requested & ~isr);
        }
        int irq = highest(requested);
        if (irq < 0) {
            return -1;
        }
        int inService = isr;
        if (specialFullyNested && cascadeInput >= 0) {
            // A slave's higher request must pass while its cascade input is in service.
            inService &= ~(1 << cascadeInput);
        }
        int current = highest(inService);
        return current < 0 || rank(irq) < rank(current) ? irq : -1;
    }

    /** The acknowledge of {@code irq}: latch it in service (or auto-EOI) and drop an edge request. */
    void acknowledge(int irq) {
        int bit = 1 << irq;
        if ((levelMask() & bit) == 0) {
            irr &= ~bit;
        }
        if (autoEoi) {
            if (rotateOnAutoEoi) {
                lowestPriority = irq;
            }
        } else {
            isr |= bit;
        }
    }

    /** Writes the command port (A0 = 0). */
    void writeCommand(int value) {
        if ((value & 0x10) != 0) {
            icw1(value);
        } else if ((value & 0x08) != 0) {
            ocw3(value);
        } else {
            ocw2(value);
        }
    }

    private void icw1(int value) {
        icw4Needed = (value & 0x01) != 0;
        single = (value & 0x02) != 0;
        levelTriggered = (value & 0x08) != 0;
        imr = 0;
        isr = 0;
        lowestPriority = 7;
        specialMask = false;
        readIsr = false;
        pollPending = false;
        if (!icw4Needed) {
            autoEoi = false;
            specialFullyNested = false;
            x86Mode = false;
        }
        // Edge detection restarts: a request must rise again to be seen.
        edgeSeen = pins;
        irr = pins & levelMask();
        initStep = 1;
    }

    private void ocw2(int value) {
        int level = value & 7;
        switch ((value >> 5) & 7) {
            case 0b001 -> clearHighestInService(false);
            case 0b101 -> clearHighestInService(true);
            case 0b011 -> isr &= ~(1 << level);
            case 0b111 -> {
                isr &= ~(1 << level);
                lowestPriority = level;
            }
            case 0b110 -> lowestPriority = level;
            case 0b100 -> rotateOnAutoEoi = true;
            case 0b000 -> rotateOnAutoEoi = false;
            default -> { } // 0b010: no operation
        }
    }

    private void clearHighestInService(boolean rotate) {
        int irq = highest(isr);
        if (irq >= 0) {
            isr &= ~(1 << irq);
            if (rotate) {
                lowestPriority = irq;
            }
        }
    }

    private void ocw3(int value) {
        if ((value & 0x40) != 0) {
            specialMask = (value & 0x20) != 0;
        }
        if ((value & 0x04) != 0) {
            pollPending = true;
        }
        if ((value & 0x02) != 0) {
            readIsr = (value & 0x01) != 0;
        }
    }

    /** Writes the data port (A0 = 1): an ICW during initialisation, else OCW1 (the mask). */
    void writeData(int value) {
        switch (initStep) {
            case 1 -> {
                vectorBase = value & 0xf8;
                initStep = single ? (icw4Needed ? 3 : 0) : 2;
            }
            case 2 -> {
                icw3 = value;
                initStep = icw4Needed ? 3 : 0;
            }
            case 3 -> {
                x86Mode = (value & 0x01) != 0;
                autoEoi = (value & 0x02) != 0;
                specialFullyNested = (value & 0x10) != 0;
                initStep = 0;
            }
            default -> imr = value;
        }
    }

    /** Reads the status register OCW3 selected. */
    int readStatus() {
        return readIsr ? isr : irr;
    }

    int readElcr() {
        return elcr;
    }

    void writeElcr(int value) {
        elcr = value & elcrWritable;
        // Inputs switched to level follow their pins at once; inputs switched to edge keep their latch.
        irr = (irr & ~elcr) | (pins & elcr);
    }

    ChipState save() {
        return new ChipState(irr, imr, isr, pins, edgeSeen, elcr, lowestPriority, vectorBase, initStep, icw4Needed,
                single, levelTriggered, autoEoi, rotateOnAutoEoi, specialMask, specialFullyNested, pollPending,
                readIsr, icw3, x86Mode);
    }

    void load(ChipState s) {
        irr = s.irr();
        imr = s.imr();
        isr = s.isr();
        pins = s.pins();
        edgeSeen = s.edgeSeen();
        elcr = s.elcr() & elcrWritable;
        lowestPriority = s.lowestPriority();
        vectorBase = s.vectorBase();
        initStep = s.initStep();
        icw4Needed = s.icw4Needed();
        single = s.single();
        levelTriggered = s.levelTriggered();
        autoEoi = s.autoEoi();
        rotateOnAutoEoi = s.rotateOnAutoEoi();
        specialMask = s.specialMask();
        specialFullyNested = s.specialFullyNested();
        pollPending = s.pollPending();
        readIsr = s.readIsr();
        icw3 = s.icw3();
        x86Mode = s.x86Mode();
    }
}
