package dev.tern.devices.virtio;

import dev.tern.devices.pci.MsixState;

/**
 * Saved state of a virtio PCI transport's MSI-X: which table vector each event signals, and the
 * table itself.
 *
 * @param configVector the vector of configuration changes (0xffff: none)
 * @param queueVectors the vector of each queue's used buffers (0xffff: none)
 * @param table the function's MSI-X capability state, table and pending bits
 */
public record VirtioMsixState(int configVector, int[] queueVectors, MsixState table) {
}
