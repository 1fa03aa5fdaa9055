package dev.tern.kernel.emt;

/** The EMT group was closed while an operation was waiting for, or submitted to, its EMTs. */
public final class EmtGroupClosedException extends IllegalStateException {

    /** Creates the exception naming the group and what was interrupted. */
    public EmtGroupClosedException(String message) {
        super(message);
    }
}
