package dev.tern.devices.pit;

import java.util.Optional;

/**
 * Saved state of one 8254 counter. Ticks are of the 1.193182 MHz input clock since power-on.
 *
 * @param modeBits control word M2-M0 as written (0..7)
 * @param access control word RW1-RW0 (1 low, 2 high, 3 low then high)
 * @param bcd BCD counting
 * @param countRegister the last count written (raw, 0..0xFFFF)
 * @param loadTick tick counting started at, -1 when no count is loaded
 * @param gate GATE input level
 * @param triggered modes 1/5: a gate edge started the count
 * @param suspendedAt tick a low gate froze counting at, or -1
 * @param writeHighNext the next data write is the high byte
 * @param writeLow the low byte written so far
 * @param readHighNext the next unlatched data read returns the high byte
 * @param countLatched a count latch is pending
 * @param latchedCount the latched count
 * @param latchReadHigh the next latched read returns the high byte
 * @param statusLatched a read-back status is pending
 * @param latchedStatus the latched status byte
 * @param nullCount the NULL COUNT status bit
 * @param pendingCount modes 2/3: a count to load at {@code pendingAt}, or -1
 * @param pendingAt tick the pending count is loaded at, or -1
 */
public record ChannelState(int modeBits, int access, boolean bcd, int countRegister, long loadTick, boolean gate,
        boolean triggered, long suspendedAt, boolean writeHighNext, int writeLow, boolean readHighNext,
        boolean countLatched, int latchedCount, boolean latchReadHigh, boolean statusLatched, int latchedStatus,
        boolean nullCount, int pendingCount, long pendingAt) {

    Optional<String> problem(int channel) {
        if (modeBits < 0 || modeBits > 7 || access < 1 || access > 3) {
            return Optional.of("PIT channel " + channel + ": mode " + modeBits + " / access " + access + " out of range");
        }
        if (countRegister < 0 || countRegister > 0xffff || latchedCount < 0 || latchedCount > 0xffff
                || writeLow < 0 || writeLow > 0xff || latchedStatus < 0 || latchedStatus > 0xff) {
            return Optional.of("PIT channel " + channel + ": a register value is out of range");
        }
        if (loadTick < -1 || suspendedAt < -1 || (suspendedAt >= 0 && suspendedAt < loadTick)) {
            return Optional.of("PIT channel " + channel + ": load tick " + loadTick + " / suspended at "
                    + suspendedAt + " inconsistent");
        }
        if (pendingCount < -1 || pendingCount > 0xffff || (pendingCount >= 0 && pendingAt < loadTick)) {
            return Optional.of("PIT channel " + channel + ": pending count " + pendingCount + " at " + pendingAt);
        }
        return Optional.empty();
    }
}
