/**
 * A machine assembled from plugins: guest RAM, I/O buses, interrupt wiring, the virtual clock, vCPUs
 * on their emulation threads (EMTs) and devices, with the run loop that ties instruction counts to
 * virtual time.
 *
 * <p>Threading: each vCPU runs on its EMT. EMT 0 is also the machine's event thread: timer
 * callbacks, posted host input and reset/power-off handling happen there between instruction
 * slices, so device state only ever changes at deterministic points of the instruction stream.
 */
package dev.tern.kernel.machine;
