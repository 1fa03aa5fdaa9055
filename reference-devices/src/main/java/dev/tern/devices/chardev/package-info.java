/** Host ends of character devices: standard I/O, files, a loopback TCP server, memory (tests) and nothing. */
package dev.tern.devices.chardev;
