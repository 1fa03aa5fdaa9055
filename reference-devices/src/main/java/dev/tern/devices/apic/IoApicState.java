package dev.tern.devices.apic;

import java.util.Optional;

/**
 * Saved state of an I/O APIC.
 *
 * @param id the ID register's ID (0..15)
 * @param select IOREGSEL
 * @param entries the 24 redirection entries, low dword in the low half, remote IRR included
 * @param pins input pin levels, bit {@code n} for input {@code n}
 */
public record IoApicState(int id, int select, long[] entries, int pins) {

    /** Why this state cannot be loaded, or empty. */
    Optional<String> problem(String where) {
        if (id < 0 || id > 15) {
            return Optional.of(where + ": I/O APIC ID " + id + " is not 0..15");
        }
        if (select < 0 || select > 0xff) {
            return Optional.of(where + ": IOREGSEL " + select + " is not a byte");
        }
        if (entries == null || entries.length != IoApic.PINS) {
            return Optional.of(where + ": " + IoApic.PINS + " redirection entries expected");
        }
        if ((pins & ~((1 << IoApic.PINS) - 1)) != 0) {
            return Optional.of(where + ": pin levels 0x" + Integer.toHexString(pins) + " name inputs above 23");
        }
        return Optional.empty();
    }
}
