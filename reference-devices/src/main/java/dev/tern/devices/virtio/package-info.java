/**
 * Virtio over PCI: the transitional (legacy I/O BAR) PCI transport, split virtqueues processed from
 * guest memory, and the interface device types ({@code .blk}, {@code .net}) implement.
 *
 * <p>Everything in a ring is guest-controlled and treated as hostile: indices, descriptor chains
 * and buffer addresses are checked before use, and a ring that breaks a rule puts the device into
 * DEVICE_NEEDS_RESET instead of throwing into the vCPU. Only the legacy interface is offered: a
 * Linux guest's virtio_pci then leaves the device to its legacy driver (no modern capabilities), so
 * VIRTIO_F_VERSION_1 is never negotiated.
 */
package dev.tern.devices.virtio;
