package dev.tern.kernel.state;

import java.io.DataOutputStream;

/**
 * The {@code DataOutput} a live section writes one part into. Sections of this package append
 * large blocks (RAM pages) straight to the {@link #payload()} instead of through an array.
 * {@link DataOutputStream} keeps no buffer of its own, so both paths stay in order.
 */
final class PartOutput extends DataOutputStream {

    private final PayloadOutput payload;

    PartOutput(PayloadOutput payload) {
        super(payload);
        this.payload = payload;
    }

    PayloadOutput payload() {
        return payload;
    }
}
