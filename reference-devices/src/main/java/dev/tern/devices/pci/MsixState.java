package dev.tern.devices.pci;

/**
 * Saved state of a function's MSI-X: the capability's Message Control bits, the vector table and
 * the pending bits.
 *
 * @param enabled Message Control bit 15, MSI-X Enable
 * @param functionMasked Message Control bit 14, Function Mask
 * @param table four dwords per vector: message address low, high, data, vector control
 * @param pending bit n: vector n was signalled while masked
 */
public record MsixState(boolean enabled, boolean functionMasked, int[] table, long pending) {
}
