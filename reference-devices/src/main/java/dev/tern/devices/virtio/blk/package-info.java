/**
 * virtio-blk: a raw disk image served through a virtio queue. Requests run synchronously on the
 * vCPU thread that notifies the queue, with positional {@link java.nio.channels.FileChannel} I/O,
 * so completion order and timing are a pure function of guest actions (deterministic replay needs
 * nothing more); the cost is that a slow disk stalls the vCPU for the length of one request.
 */
package dev.tern.devices.virtio.blk;
