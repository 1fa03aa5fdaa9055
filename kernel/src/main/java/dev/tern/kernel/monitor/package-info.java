/**
 * The human monitor: a line-oriented command interface to a running machine in QEMU's HMP
 * vocabulary ({@code info status}, {@code stop}, {@code cont}, {@code savevm NAME}, ...), served on
 * stdio or a loopback TCP socket.
 */
package dev.tern.kernel.monitor;
