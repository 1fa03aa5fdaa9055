package dev.tern.devices.pit;

import java.util.List;

/**
 * Saved state of the 8254 and system control port B.
 *
 * @param channels the three counters
 * @param portB port 0x61 bits 0-3 as written
 */
public record PitState(List<ChannelState> channels, int portB) {
}
