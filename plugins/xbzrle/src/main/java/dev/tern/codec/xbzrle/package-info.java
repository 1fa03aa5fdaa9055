/**
 * XBZRLE page deltas, byte-compatible with QEMU's migration format: {@link dev.tern.codec.xbzrle.XbzrleEncoding}
 * is the wire format, {@link dev.tern.codec.xbzrle.PageCache} the sender's copy of recently sent pages,
 * {@link dev.tern.codec.xbzrle.XbzrleCodecProvider} the plugin entry point; {@code RunScan} holds the inner
 * loops, scalar or SIMD (Vector API, only when the JVM has {@code jdk.incubator.vector}).
 */
package dev.tern.codec.xbzrle;
