package dev.tern.spi.irq;

/**
 * A wire from an interrupt source to a controller input (or from a controller to a CPU pin).
 * Devices hold one per interrupt they raise; the kernel's routing decides where it ends.
 */
@FunctionalInterface
public interface InterruptLine {

    /** A line connected to nothing. */
    InterruptLine NONE = level -> { };

    /** Drives the line high ({@code true}) or low. */
    void set(boolean level);

    /** Drives the line high. */
    default void raise() {
        set(true);
    }

    /** Drives the line low. */
    default void lower() {
        set(false);
    }

    /** A high-then-low edge, for edge-triggered inputs. */
    default void pulse() {
        set(true);
        set(false);
    }
}
