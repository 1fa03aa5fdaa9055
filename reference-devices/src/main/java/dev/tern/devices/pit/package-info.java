/** The 8254 programmable interval timer and system control port B (0x61). */
package dev.tern.devices.pit;
