package dev.tern.spi.clock;

/** A one-shot virtual timer. Re-arm it from its callback for periodic behaviour. */
public interface Timer {

    /** Arms (or re-arms) the timer to fire when the virtual clock reaches {@code deadlineNanos}. */
    void armAt(long deadlineNanos);

    /** Disarms the timer; harmless if it is not armed. */
    void cancel();

    /** The armed deadline, or {@code -1} when disarmed. */
    long deadline();

    /** Whether the timer is armed. */
    default boolean armed() {
        return deadline() >= 0;
    }
}
