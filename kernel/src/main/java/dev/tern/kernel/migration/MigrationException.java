package dev.tern.kernel.migration;

/** A migration that did not complete, with the reason. */
public class MigrationException extends Exception {

    public MigrationException(String message) {
        super(message);
    }

    public MigrationException(String message, Throwable cause) {
        super(message, cause);
    }
}
