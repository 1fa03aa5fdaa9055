package dev.tern.spi.state;

import java.util.List;
import java.util.Optional;

/**
 * One component's saved state, as a record of type {@code S}. Record components may be primitives,
 * {@code String}, primitive arrays, enums, nested records and {@code List}s of those.
 *
 * <p>Compatibility: additions that older loaders can ignore go into {@link #subsections()}, sent
 * only when {@linkplain Subsection#needed() needed}; changes to {@code S} itself bump
 * {@link #version()}, and {@link #minVersion()} says how old a stream this code still loads; a
 * stream older than {@link #version()} is turned into the current record by {@link #upgrader()}.
 *
 * @param <S> the state record
 */
public interface StateSection<S extends Record> {

    /** Section name, e.g. {@code "uart16550"}. */
    String name();

    /** The record type. */
    Class<S> stateType();

    /** Captures the current state. Called with the machine paused. */
    S save();

    /**
     * Applies a state previously {@linkplain #validate validated}. Called with the machine paused,
     * only once the whole stream has been read.
     */
    void load(S state);

    /** Distinguishes several instances of one section name (e.g. {@code "serial1"}). */
    default String instance() {
        return "0";
    }

    /** The version {@link #save()} writes. */
    default int version() {
        return 1;
    }

    /** The oldest version {@link #load} accepts. */
    default int minVersion() {
        return version();
    }

    /**
     * Converts states written by versions {@link #minVersion()} .. {@link #version()}{@code - 1}.
     * Needed whenever {@code minVersion() < version()}; without one such streams are refused.
     */
    default Optional<StateUpgrader<S>> upgrader() {
        return Optional.empty();
    }

    /** Checks a loaded state before anything is applied; returns why it is refused, or empty. */
    default Optional<String> validate(S state) {
        return Optional.empty();
    }

    /**
     * The state a stream without this section stands for — a section added after such streams were
     * written (a snapshot or recording made by an older Tern), whose absence has a meaning (e.g. "no
     * disk blocks tracked"). Empty (the default): a stream without it is refused. Since SPI 1.8.
     */
    default Optional<S> whenAbsent() {
        return Optional.empty();
    }

    /** Optional named additions. */
    default List<Subsection<?>> subsections() {
        return List.of();
    }
}
