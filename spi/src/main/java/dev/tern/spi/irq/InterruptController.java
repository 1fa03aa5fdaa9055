package dev.tern.spi.irq;

/**
 * What a CPU sees of the interrupt controller it is wired to (an i8259 pair on a PC): when its INTR
 * pin is high, the CPU, if interrupts are enabled, runs an interrupt-acknowledge cycle to get the
 * vector.
 */
public interface InterruptController {

    /** The interrupt-acknowledge cycle: returns the vector (0..255) and updates in-service state. */
    int acknowledge();
}
