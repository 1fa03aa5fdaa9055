package dev.tern.pc.boot;

/**
 * A kernel, initrd, archive or boot parameter that cannot be used, with a message naming the input,
 * the field and the offending value (for example {@code "bzImage: setup_sects 300 ..."}).
 */
public class InvalidImageException extends RuntimeException {

    /** Creates the exception with a message that names what was wrong and where. */
    public InvalidImageException(String message) {
        super(message);
    }

    /** Creates the exception wrapping the low-level cause (I/O, decompression). */
    public InvalidImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
