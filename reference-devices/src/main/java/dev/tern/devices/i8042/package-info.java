/** The i8042 keyboard controller and the command side of a PS/2 keyboard. */
package dev.tern.devices.i8042;
