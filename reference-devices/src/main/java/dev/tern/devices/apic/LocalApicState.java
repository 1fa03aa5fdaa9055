package dev.tern.devices.apic;

import java.util.Optional;

/**
 * Saved state of one local APIC. The 256-bit registers are eight 32-bit words, word {@code i}
 * holding vectors {@code 32i..32i+31} as the guest reads them.
 *
 * @param id the APIC ID register
 * @param tpr task priority
 * @param ldr logical destination
 * @param dfr destination format
 * @param svr spurious-interrupt vector register
 * @param isr in-service register
 * @param tmr trigger-mode register
 * @param irr interrupt-request register
 * @param esr the error status the guest last latched
 * @param pendingErrors errors seen since that latch
 * @param icrLow interrupt command register, low word
 * @param icrHigh interrupt command register, high word
 * @param lvt the six LVT entries: timer, thermal, performance counter, LINT0, LINT1, error
 * @param timerInitial the timer's initial count
 * @param timerDivide the timer's divide configuration
 * @param timerStart virtual nanoseconds at which the count last started from the initial count
 * @param timerCounting whether the timer counts
 * @param lintPins LINT0 (bit 0) and LINT1 (bit 1) pin levels
 * @param extIntRequest an ExtINT message awaits the CPU's acknowledge
 */
public record LocalApicState(int id, int tpr, int ldr, int dfr, int svr, int[] isr, int[] tmr, int[] irr, int esr,
        int pendingErrors, int icrLow, int icrHigh, int[] lvt, int timerInitial, int timerDivide, long timerStart,
        boolean timerCounting, int lintPins, boolean extIntRequest) {

    /** Why this state cannot be loaded, or empty. */
    Optional<String> problem(String where) {
        if (isr == null || tmr == null || irr == null || isr.length != 8 || tmr.length != 8 || irr.length != 8) {
            return Optional.of(where + ": ISR, TMR and IRR must hold 8 words each");
        }
        if (lvt == null || lvt.length != LocalApic.LVT_COUNT) {
            return Optional.of(where + ": " + LocalApic.LVT_COUNT + " LVT entries expected");
        }
        if (tpr < 0 || tpr > 0xff) {
            return Optional.of(where + ": task priority " + tpr + " is not a byte");
        }
        if (svr < 0 || svr > 0x3ff) {
            return Optional.of(where + ": spurious-vector register 0x" + Integer.toHexString(svr) + " has reserved bits");
        }
        if (lintPins < 0 || lintPins > 3) {
            return Optional.of(where + ": LINT pin levels " + lintPins + " are not 0..3");
        }
        if ((timerDivide & ~0xb) != 0) {
            return Optional.of(where + ": timer divide configuration 0x" + Integer.toHexString(timerDivide) + " has reserved bits");
        }
        if (timerCounting && timerInitial == 0) {
            return Optional.of(where + ": a counting timer needs an initial count");
        }
        return Optional.empty();
    }
}
