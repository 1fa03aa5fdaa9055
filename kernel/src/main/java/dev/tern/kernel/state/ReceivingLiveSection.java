package dev.tern.kernel.state;

import dev.tern.spi.state.LiveSection;

import java.io.DataOutput;
import java.io.IOException;

/**
 * The receiving end of a live section: it only {@link #receive}s parts (and checks them), so the
 * sending half of {@link LiveSection} refuses, once, here — a loader hands it parts, never asks it
 * to send.
 */
public interface ReceivingLiveSection extends LiveSection, LivePartCheck {

    @Override
    default void setup(DataOutput out) throws IOException {
        throw new IOException(name() + ": a receiving section does not send");
    }

    @Override
    default long pendingBytes() {
        return 0;
    }

    @Override
    default boolean iterate(DataOutput out, long maxBytes) throws IOException {
        throw new IOException(name() + ": a receiving section does not send");
    }

    @Override
    default void complete(DataOutput out) throws IOException {
        throw new IOException(name() + ": a receiving section does not send");
    }
}
