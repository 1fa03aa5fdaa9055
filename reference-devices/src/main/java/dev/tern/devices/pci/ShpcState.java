package dev.tern.devices.pci;

/**
 * Saved state of a Standard Hot-Plug Controller.
 *
 * @param controlEnable the Controller SERR-INT Enable register (masks and the command-completion latch)
 * @param command the last command and its target slot (command register, low word)
 * @param commandStatus the command status bits of the last command
 * @param busMode the secondary bus speed/mode the guest set (0: conventional 33 MHz)
 * @param slots per slot, its logical register as the controller keeps it: slot state, power and
 *     attention indicators, event latches and interrupt masks
 * @param present the slots holding a card as the guest sees them, bit {@code i} for slot {@code i}
 * @param dwordSelect the SHPC capability's DWORD select register
 * @param ejectRequested the slots whose removal the host asked for and the guest has not carried out
 */
public record ShpcState(int controlEnable, int command, int commandStatus, int busMode, int[] slots, int present,
        int dwordSelect, int ejectRequested) {
}
