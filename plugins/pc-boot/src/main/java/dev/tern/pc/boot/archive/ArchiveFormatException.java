package dev.tern.pc.boot.archive;

import dev.tern.pc.boot.InvalidImageException;

/** A malformed {@code ar} or {@code tar} archive; the message names the archive, offset and field. */
public class ArchiveFormatException extends InvalidImageException {

    /** Creates the exception with a message naming what was wrong and where. */
    public ArchiveFormatException(String message) {
        super(message);
    }

    /** Creates the exception wrapping an I/O or decompression cause. */
    public ArchiveFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
