/** The 16550A UART. */
package dev.tern.devices.uart;
