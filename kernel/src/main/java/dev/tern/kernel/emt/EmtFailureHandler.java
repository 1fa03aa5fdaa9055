package dev.tern.kernel.emt;

/** Receives the exception that stopped an EMT's body. Called on the failing EMT's thread. */
@FunctionalInterface
public interface EmtFailureHandler {

    /** {@code error} was thrown by the body of {@code emt}; the body will not be stepped again. */
    void failed(Emt emt, Throwable error);
}
