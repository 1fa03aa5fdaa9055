package dev.tern.devices.apic;

/** How an interrupt message is delivered (the 3-bit field of the ICR, LVT and I/O APIC entries). */
public enum DeliveryMode {
    /** The vector, to every destination. */
    FIXED(0),
    /** The vector, to the one destination with the lowest priority. */
    LOWEST_PRIORITY(1),
    /** A system-management interrupt (not modelled: dropped). */
    SMI(2),
    /** A non-maskable interrupt. */
    NMI(4),
    /** INIT (or, with level de-assert, the arbitration-ID sync that does nothing on xAPIC). */
    INIT(5),
    /** A startup IPI; the vector is the start page. */
    STARTUP(6),
    /** The vector comes from the 8259 through an interrupt-acknowledge cycle. */
    EXTINT(7);

    private final int code;

    DeliveryMode(int code) {
        this.code = code;
    }

    /** The field value. */
    public int code() {
        return code;
    }

    /** The mode of field value {@code code} (0..7); the reserved 3 reads as FIXED, which is what it selects. */
    public static DeliveryMode of(int code) {
        for (DeliveryMode m : values()) {
            if (m.code == (code & 7)) {
                return m;
            }
        }
        return FIXED;
    }
}
