/**
 * Transports move migration streams, snapshots and checkpoints. Chosen by URI scheme
 * ({@code tcp:HOST:PORT}, {@code unix:PATH}, {@code file:PATH}, …) so operators swap them by
 * configuration.
 */
package dev.tern.spi.transport;
