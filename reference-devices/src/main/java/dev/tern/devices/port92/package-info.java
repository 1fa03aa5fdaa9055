/** System control port A (0x92): fast A20 and fast reset. */
package dev.tern.devices.port92;
