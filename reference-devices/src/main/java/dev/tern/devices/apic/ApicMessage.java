package dev.tern.devices.apic;

/**
 * An interrupt message on the APIC bus, from a local APIC's ICR or an I/O APIC redirection entry.
 *
 * @param mode delivery mode
 * @param vector vector 0..255 (the start page for {@link DeliveryMode#STARTUP})
 * @param logical logical (true) or physical destination mode
 * @param destination the 8-bit destination field
 * @param shorthand who receives it regardless of {@code destination}
 * @param levelTriggered level (true) or edge trigger; a level interrupt's EOI is broadcast
 * @param assertLevel the ICR level bit; INIT with it clear is the level de-assert message
 * @param sourceApicId the sending local APIC's ID, or -1 from an I/O APIC
 */
public record ApicMessage(DeliveryMode mode, int vector, boolean logical, int destination, Shorthand shorthand,
        boolean levelTriggered, boolean assertLevel, int sourceApicId) {

    /** The ICR's destination shorthand. */
    public enum Shorthand {
        /** The destination field selects. */
        NONE,
        /** The sender only. */
        SELF,
        /** Every local APIC, the sender included. */
        ALL_INCLUDING_SELF,
        /** Every local APIC but the sender. */
        ALL_EXCLUDING_SELF
    }

    /** A message from an I/O APIC (no shorthand, asserted). */
    public static ApicMessage fromIoApic(DeliveryMode mode, int vector, boolean logical, int destination,
            boolean levelTriggered) {
        return new ApicMessage(mode, vector, logical, destination, Shorthand.NONE, levelTriggered, true, -1);
    }
}
