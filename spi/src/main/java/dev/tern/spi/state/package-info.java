/**
 * Saved state. A component's state is a {@link java.lang.Record}; the kernel writes its schema and
 * values into versioned, named sections, so snapshots, migration and checkpoints all share one
 * format.
 */
package dev.tern.spi.state;
