package dev.tern.kernel.state;

import java.io.DataOutputStream;

/**
 * The {@code DataOutput} a live section writes one part into. Sections of this package append
 * large blocks (RAM pages) straight to the {@link #payload()} instead of through an array.
 * {@link DataOutputStream} keeps no buffer of its own, so both paths stay in order.
 */
public final class PartOutput extends DataOutputStream {

    private final PayloadOutput payload;

    PartOutput(PayloadOutput payload) {
        super(payload);
        this.payload = payload;
    }

    /** Appends {@code len} bytes of {@code seg} from {@code offset} to the part, with no array in between. */
    public void writeSegment(java.lang.foreign.MemorySegment seg, long offset, int len) {
        payload.segment(seg, offset, len);
    }

    PayloadOutput payload() {
        return payload;
    }
}
