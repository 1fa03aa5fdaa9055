/** QEMU's isa-debug-exit port. */
package dev.tern.devices.debugexit;
