/** Interrupt routing: global interrupt lines, the controller claiming them, and the CPU pin. */
package dev.tern.kernel.irq;
