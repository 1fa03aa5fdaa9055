/** Interrupt lines and the controller interface a CPU acknowledges interrupts through. */
package dev.tern.spi.irq;
