package dev.tern.spi.state;

/**
 * Builds a section's current state record from a stream written by an older version of it
 * ({@link StateSection#minVersion()} &le; version &lt; {@link StateSection#version()}). The old
 * record arrives decoded by its own schema, so the section keeps no copy of the old class.
 * Offered by {@link StateSection#upgrader()}.
 *
 * <p>Upgrading one version at a time (v1&rarr;v2, then v2&rarr;v3 on the result) keeps each step
 * small; the upgrader is free to do that internally.
 *
 * @param <S> the section's current state record
 */
@FunctionalInterface
public interface StateUpgrader<S extends Record> {

    /**
     * @param fromVersion the version the stream was written with
     * @param old the old record's fields
     * @return the equivalent current state, which is then validated like any loaded state
     * @throws IllegalArgumentException when the old state cannot be expressed in the current version
     */
    S upgrade(int fromVersion, FieldView old);
}
