package dev.tern.kernel.machine;

import java.util.Map;

/**
 * QEMU's {@code addr} device property (a PCI slot, or slot.function with function 0, in hex with
 * or without 0x) as Tern's PCI devices take it: their {@code slot} key. Both {@code --device} and
 * {@code device_add} accept either, so what a refused restore tells a user to type works in both.
 */
public final class PciAddressOption {

    private PciAddressOption() {
    }

    /**
     * Replaces an {@code addr} in {@code options} by the {@code slot} it names.
     *
     * @param who the command, for errors
     * @throws IllegalArgumentException when {@code addr} is malformed or both keys are given
     */
    public static void foldInto(Map<String, String> options, String who) {
        // QEMU's pci-bridge property; Tern's config keys are written with '-'
        String chassis = options.remove("chassis_nr");
        if (chassis != null) {
            if (options.containsKey("chassis-nr")) {
                throw new IllegalArgumentException(who + ": give the chassis number once, as chassis_nr= or chassis-nr=");
            }
            options.put("chassis-nr", chassis);
        }
        String addr = options.remove("addr");
        if (addr == null) {
            return;
        }
        if (options.containsKey("slot")) {
            throw new IllegalArgumentException(who + ": give the PCI slot once, as addr= (QEMU) or slot=");
        }
        options.put("slot", Integer.toString(slot(addr)));
    }

    /** The slot {@code addr} names. */
    static int slot(String addr) {
        String s = addr.endsWith(".0") ? addr.substring(0, addr.length() - 2) : addr;
        s = s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s;
        try {
            int slot = Integer.parseInt(s, 16);
            if (slot >= 1 && slot <= 31) {
                return slot;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("Property 'addr' = '" + addr + "': expected a PCI slot 0x1..0x1f"
                + " (function 0 only, as 'slot' or 'slot.0')");
    }
}
