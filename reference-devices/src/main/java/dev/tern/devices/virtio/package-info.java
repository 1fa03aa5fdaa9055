/**
 * Virtio over PCI: the transitional PCI transport (legacy I/O BAR and virtio 1.0 capabilities), split virtqueues processed from
 * guest memory, and the interface device types ({@code .blk}, {@code .net}) implement.
 *
 * <p>Everything in a ring is guest-controlled and treated as hostile: indices, descriptor chains
 * and buffer addresses are checked before use, and a ring that breaks a rule puts the device into
 * DEVICE_NEEDS_RESET instead of throwing into the vCPU. The legacy interface (I/O BAR0) is always
 * there; the virtio 1.0 interface (capabilities, memory BAR4, VIRTIO_F_VERSION_1) is offered too
 * unless the device's {@code modern} key is off. Linux's virtio_pci prefers the modern interface
 * when the common configuration capability is present and falls back to the legacy driver without it.
 */
package dev.tern.devices.virtio;
