/**
 * The {@code file:PATH} transport: a migration stream saved to, and later loaded from, a file
 * (snapshots, "migrate to file"). One-way: connecting writes, listening reads.
 */
package dev.tern.transport.file;
