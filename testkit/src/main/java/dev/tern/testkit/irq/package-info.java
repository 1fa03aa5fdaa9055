/** Interrupt wiring that records levels and edges. */
package dev.tern.testkit.irq;
