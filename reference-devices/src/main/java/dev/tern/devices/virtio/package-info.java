/**
 * Virtio over PCI: the transitional (legacy I/O BAR) PCI transport, split virtqueues processed from
 * guest memory, and the interface device types ({@code .blk}, {@code .net}) implement.
 *
 * <p>Everything in a ring is guest-controlled and treated as hostile: indices, descriptor chains
 * and buffer addresses are checked before use, and a ring that breaks a rule puts the device into
 * DEVICE_NEEDS_RESET instead of throwing into the vCPU. The legacy interface (I/O BAR0) is always
 * there; the virtio 1.0 interface (capabilities, memory BAR4, VIRTIO_F_VERSION_1) is offered when
 * the device's {@code modern} key is on. Without it a Linux guest's virtio_pci finds no common
 * configuration capability and leaves the device to its legacy driver.
 */
package dev.tern.devices.virtio;
