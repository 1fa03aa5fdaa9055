package dev.tern.spi.state;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * State sent iteratively while the guest runs (RAM): {@link #setup}, then rounds of
 * {@link #iterate} while {@link #pendingBytes} shrinks, then {@link #complete} with the guest paused.
 * The receiving side calls {@link #receive} for every part in stream order.
 */
public interface LiveSection {

    /** Section name, e.g. {@code "ram"}. */
    String name();

    /** Distinguishes several instances of one live section name. */
    default String instance() {
        return "0";
    }

    /**
     * The version of the parts this code writes. A stream is loaded only when its version equals
     * this one: a live section's parts carry no schema an upgrader could read.
     */
    default int version() {
        return 1;
    }

    /** Writes the setup part (layout, sizes). */
    void setup(DataOutput out) throws IOException;

    /** Estimates how many bytes are still to send if the guest stopped now. */
    long pendingBytes();

    /**
     * Sends some of what is pending, at most about {@code maxBytes}.
     *
     * @return true when nothing more is pending
     */
    boolean iterate(DataOutput out, long maxBytes) throws IOException;

    /** Sends everything still pending; the guest is paused. */
    void complete(DataOutput out) throws IOException;

    /** Receives one part written by {@link #setup}, {@link #iterate} or {@link #complete}. */
    void receive(DataInput in) throws IOException;
}
