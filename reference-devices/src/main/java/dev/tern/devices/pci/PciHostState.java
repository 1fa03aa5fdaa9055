package dev.tern.devices.pci;

/**
 * Saved state of the host bridge's configuration mechanism #1.
 *
 * @param configAddress the CONFIG_ADDRESS register (0xCF8)
 */
public record PciHostState(int configAddress) {
}
