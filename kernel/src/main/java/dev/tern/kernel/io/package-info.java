/**
 * The machine's I/O buses: the 64 KiB x86 port space and the memory-mapped I/O space, dispatching
 * guest accesses to device handlers without locks on the access path.
 */
package dev.tern.kernel.io;
