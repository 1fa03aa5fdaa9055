package dev.tern.spi.state;

import java.util.Optional;

/**
 * An optional part of a section, written only when {@link #needed()} — the way a newer feature's
 * state travels without making the stream unloadable for versions that never use the feature.
 *
 * @param <T> the subsection's record
 */
public interface Subsection<T extends Record> {

    /** Name, unique within the section. */
    String name();

    /** The record type. */
    Class<T> stateType();

    /** Whether the current state needs this subsection at all. */
    boolean needed();

    /** Captures. */
    T save();

    /** Applies; called after the parent's {@code load}. */
    void load(T state);

    /** Checks before anything is applied; returns why refused, or empty. */
    default Optional<String> validate(T state) {
        return Optional.empty();
    }
}
