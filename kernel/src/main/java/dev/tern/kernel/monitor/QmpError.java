package dev.tern.kernel.monitor;

/**
 * A QMP command failed with one of QEMU's error classes. Operations throw plain
 * {@link IllegalArgumentException}/{@link IllegalStateException} for {@code GenericError}; this is
 * for the other classes and for the protocol's own errors.
 */
public final class QmpError extends RuntimeException {

    /** QEMU's error classes (QAPI {@code QapiErrorClass}). */
    public enum ErrorClass {
        /** Any error without a more specific class. */
        GenericError,
        /** The command does not exist (or may not run yet). */
        CommandNotFound,
        /** A named device does not exist. */
        DeviceNotFound,
        /** A device exists but is not active. */
        DeviceNotActive,
        /** KVM lacks a capability. */
        KVMMissingCap
    }

    private final ErrorClass errorClass;

    public QmpError(ErrorClass errorClass, String desc) {
        super(desc);
        this.errorClass = errorClass;
    }

    /** A {@code GenericError}. */
    public static QmpError generic(String desc) {
        return new QmpError(ErrorClass.GenericError, desc);
    }

    /** The class sent as {@code "class"}. */
    public ErrorClass errorClass() {
        return errorClass;
    }
}
