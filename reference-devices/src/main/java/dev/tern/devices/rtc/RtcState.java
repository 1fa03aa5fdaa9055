package dev.tern.devices.rtc;

import java.util.Optional;

/**
 * Saved state of the MC146818 RTC and CMOS RAM.
 *
 * @param cmos the 128 bytes (time registers hold the frozen time only while updates are stopped)
 * @param index the selected register (port 0x70 bits 0-6)
 * @param nmiMasked port 0x70 bit 7
 * @param baseSeconds epoch seconds the clock read at {@code phaseNanos}
 * @param phaseNanos virtual time of an update instant; updates recur every second from it
 * @param lastCheckNanos virtual time up to which interrupt flags have been computed
 */
public record RtcState(byte[] cmos, int index, boolean nmiMasked, long baseSeconds, long phaseNanos,
        long lastCheckNanos) {

    Optional<String> problem() {
        if (cmos == null || cmos.length != 128) {
            return Optional.of("mc146818: CMOS must be 128 bytes");
        }
        if (index < 0 || index > 0x7f) {
            return Optional.of("mc146818: register index " + index + " is not 0..127");
        }
        return Optional.empty();
    }
}
