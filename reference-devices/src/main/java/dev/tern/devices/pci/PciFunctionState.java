package dev.tern.devices.pci;

/**
 * Saved configuration space of one PCI function: the BAR placements and command register in it
 * are enough to recreate the I/O mappings on load.
 *
 * @param config the 256 bytes of configuration space
 */
public record PciFunctionState(byte[] config) {
}
