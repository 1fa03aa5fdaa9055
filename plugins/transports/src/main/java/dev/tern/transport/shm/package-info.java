/**
 * The {@code shm} transport: RDMA-style live migration between two processes on one host. The
 * destination exposes its guest RAM as a shared memory-mapped file; the source writes pages into
 * it directly in 1 MiB chunks, skips all-zero chunks (announcing them instead), and sends only
 * control messages and the device-state stream over a small socket. Protocol:
 * {@code docs/protocols/shm-transport.md}.
 */
package dev.tern.transport.shm;
