package dev.tern.kernel.progress;

/**
 * Hears the progress of a long operation (a snapshot save, a migration) from the thread doing it.
 * The kernel draws nothing itself: a front end installs what shows it (the CLI's terminal bar).
 */
public interface Progress {

    /** Hears nothing. */
    Progress NONE = new Progress() {
        @Override
        public void update(long doneBytes, long totalBytes, String extra) {
        }

        @Override
        public void finish(String summary) {
        }
    };

    /** {@code doneBytes} of {@code totalBytes} are done; {@code extra} says more (may be empty). */
    void update(long doneBytes, long totalBytes, String extra);

    /** The operation ended; {@code summary} says how. */
    void finish(String summary);
}
