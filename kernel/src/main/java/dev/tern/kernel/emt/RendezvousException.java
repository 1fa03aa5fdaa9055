package dev.tern.kernel.emt;

/**
 * Thrown by {@link Rendezvous#run} to the initiator when a callback threw. Carries the merged status
 * of the rendezvous (normally {@link Status#CALLBACK_EXCEPTION}, or the earlier error that won) and,
 * as cause, the first throwable; later ones are attached as suppressed exceptions.
 */
public final class RendezvousException extends RuntimeException {

    private final int status;

    /** Creates the exception for a rendezvous that ended with {@code status}. */
    public RendezvousException(String message, int status, Throwable cause) {
        super(message + " (status " + Status.describe(status) + ")", cause);
        this.status = status;
    }

    /** The merged status of the failed rendezvous. */
    public int status() {
        return status;
    }
}
