package dev.tern.kernel.state;

import java.io.IOException;

/**
 * A saved-state stream was refused: malformed, truncated, corrupted, or not loadable into the
 * machine at hand. The message names what was wrong and where (section, instance, byte offset);
 * {@link #offset()} repeats the offset for tools, or -1 when the problem has no single position
 * (a section missing from the stream).
 */
public final class SavedStateException extends IOException {

    private final long offset;

    /** A problem at byte {@code offset} of the stream (-1 when not tied to a position). */
    public SavedStateException(String message, long offset) {
        super(offset >= 0 ? message + " (at byte " + offset + ")" : message);
        this.offset = offset;
    }

    /** A problem caused by {@code cause}, e.g. the underlying read failing. */
    public SavedStateException(String message, long offset, Throwable cause) {
        super(offset >= 0 ? message + " (at byte " + offset + ")" : message, cause);
        this.offset = offset;
    }

    /** Byte offset in the stream where the problem was found, or -1. */
    public long offset() {
        return offset;
    }
}
