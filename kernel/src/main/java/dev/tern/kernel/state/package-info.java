/**
 * The saved-state stream shared by snapshots, live migration, fault-tolerance checkpoints and
 * replay snapshots (byte format: docs/formats/saved-state.md).
 *
 * <p>Records become bytes through {@link dev.tern.kernel.state.RecordCodec} and a self-describing
 * {@link dev.tern.kernel.state.RecordSchema}; {@link dev.tern.kernel.state.SavedStateWriter} frames
 * sections with CRC32C and ends with a JSON trailer; {@link dev.tern.kernel.state.SavedStateReader}
 * parses hostile input with every size bounded; {@link dev.tern.kernel.state.SnapshotLoader}
 * verifies everything before applying anything; {@link dev.tern.kernel.state.RamSection} carries
 * guest RAM; {@link dev.tern.kernel.state.SavedStateAnalyzer} prints a stream.
 */
package dev.tern.kernel.state;
