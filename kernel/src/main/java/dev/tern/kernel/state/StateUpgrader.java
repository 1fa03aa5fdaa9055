package dev.tern.kernel.state;

import dev.tern.spi.state.StateSection;

/**
 * Builds a section's current state record from a stream written by an older version of it
 * ({@link StateSection#minVersion()} &le; version &lt; {@link StateSection#version()}). The old
 * record is handed over decoded by its own schema, so the upgrader needs no copy of the old class.
 *
 * <p>Registered with {@link SnapshotLoader#upgrader} by code that cannot change the section itself.
 * A section normally offers its own {@link dev.tern.spi.state.StateUpgrader} through
 * {@link StateSection#upgrader()}, which the loader asks first; this kernel-side form stays for
 * callers written before the SPI had one.
 *
 * @param <S> the section's current state record
 */
@FunctionalInterface
public interface StateUpgrader<S extends Record> {

    /**
     * @param fromVersion the version the stream was written with
     * @param old the old record's fields by name
     * @return the equivalent current state
     * @throws SavedStateException when the old state cannot be expressed in the current version
     */
    S upgrade(int fromVersion, FieldValues old) throws SavedStateException;
}
