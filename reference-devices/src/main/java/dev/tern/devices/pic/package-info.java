/** Cascaded 8259A programmable interrupt controllers and the PIIX edge/level control registers. */
package dev.tern.devices.pic;
