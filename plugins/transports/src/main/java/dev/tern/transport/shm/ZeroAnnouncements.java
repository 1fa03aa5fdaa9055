package dev.tern.transport.shm;

import dev.tern.transport.shm.ControlMessage.Range;
import dev.tern.transport.shm.ControlMessage.ZeroRanges;

import java.util.ArrayList;
import java.util.List;

/**
 * Zero ranges waiting to be announced, merged while they are contiguous in one region so that a
 * run of zero pages costs one range, not one per page.
 */
final class ZeroAnnouncements {

    private int regionId = -1;
    private final List<Range> ranges = new ArrayList<>();
    private long pendingStart = -1;
    private long pendingLength;

    /**
     * Adds a zero range. Returns a message to send first when the batch is full or belongs to
     * another region, else null.
     */
    ZeroRanges add(int region, long offset, long length) {
        ZeroRanges ready = null;
        if (region != regionId && hasPending()) {
            ready = drain();
        }
        regionId = region;
        if (pendingStart >= 0 && pendingStart + pendingLength == offset) {
            pendingLength += length;
            return ready;
        }
        closeRange();
        if (ranges.size() == ControlCodec.MAX_RANGES) {
            ready = drain();
            regionId = region;
        }
        pendingStart = offset;
        pendingLength = length;
        return ready;
    }

    boolean hasPending() {
        return pendingStart >= 0 || !ranges.isEmpty();
    }

    /** Everything pending as one message (call only when {@link #hasPending()}). */
    ZeroRanges drain() {
        closeRange();
        ZeroRanges message = new ZeroRanges(regionId, ranges);
        ranges.clear();
        regionId = -1;
        return message;
    }

    private void closeRange() {
        if (pendingStart >= 0) {
            ranges.add(new Range(pendingStart, pendingLength));
            pendingStart = -1;
            pendingLength = 0;
        }
    }
}
