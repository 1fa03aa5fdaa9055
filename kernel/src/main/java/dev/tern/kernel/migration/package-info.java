/**
 * Live migration by iterative pre-copy (protocol: docs/protocols/migration.md).
 *
 * <p>{@link dev.tern.kernel.migration.MigrationSource} sends guest RAM in rounds of dirty pages while
 * the guest runs, then pauses it, sends what is left and the device sections, and waits for the
 * destination to accept; {@link dev.tern.kernel.migration.MigrationDestination} receives into a machine
 * that has not started. Both talk through a transport {@link dev.tern.spi.transport.Connection}
 * wrapped in {@link dev.tern.kernel.migration.WireOutput}/{@link dev.tern.kernel.migration.WireInput}
 * messages that carry saved-state streams and the switch-over handshake.
 */
package dev.tern.kernel.migration;
