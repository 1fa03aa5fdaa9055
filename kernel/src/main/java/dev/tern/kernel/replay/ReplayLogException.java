package dev.tern.kernel.replay;

import java.io.IOException;

/**
 * A replay log that cannot be used: malformed, corrupted, truncated where that is not allowed, or
 * made for another machine. The message names the file offset and, where one is involved, the
 * block and the entry.
 */
public final class ReplayLogException extends IOException {

    private final long offset;

    public ReplayLogException(long offset, String message) {
        super(offset >= 0 ? message + " (at offset " + offset + ")" : message);
        this.offset = offset;
    }

    /** Where in the file the problem was found, or -1 when it is not about one place. */
    public long offset() {
        return offset;
    }
}
