package dev.tern.devices.pci;

/**
 * Where a PCI function sat on the machine that saved it. The guest found the function there and
 * keeps driving it at that address, so a target with the device in another slot must not take the
 * rest of its state.
 *
 * @param bus the bus number (Tern has bus 0 only)
 * @param slot the device number on the bus, 0..31
 * @param function the function number (Tern uses function 0 only)
 */
public record PciAddressState(int bus, int slot, int function) {
}
