/**
 * Saved state. A component's state is a {@link java.lang.Record}; the kernel writes its schema and
 * values into versioned, named sections, so snapshots, migration and checkpoints all share one
 * format. A section evolves by adding {@link dev.tern.spi.state.Subsection}s, or by bumping its
 * version and offering a {@link dev.tern.spi.state.StateUpgrader}, which reads the older record
 * through a {@link dev.tern.spi.state.FieldView}.
 */
package dev.tern.spi.state;
