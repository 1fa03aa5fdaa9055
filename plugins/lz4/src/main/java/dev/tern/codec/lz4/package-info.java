/**
 * LZ4 page compression with built-in zero-page detection; see
 * {@link dev.tern.codec.lz4.Lz4PageFormat} for the wire format.
 */
package dev.tern.codec.lz4;
