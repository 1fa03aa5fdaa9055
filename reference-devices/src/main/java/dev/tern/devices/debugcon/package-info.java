/** The Bochs/QEMU debug console port. */
package dev.tern.devices.debugcon;
