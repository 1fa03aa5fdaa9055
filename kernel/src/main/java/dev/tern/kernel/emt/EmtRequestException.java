package dev.tern.kernel.emt;

/** A request run on an EMT through {@link EmtRequests#call} threw; the cause is what it threw. */
public final class EmtRequestException extends RuntimeException {

    /** Wraps {@code cause} with the request's context. */
    public EmtRequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
