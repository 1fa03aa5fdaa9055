/**
 * The {@code tcp:HOST:PORT} transport: TCP with {@code TCP_NODELAY} and {@code SO_KEEPALIVE}, a
 * connect timeout and an idle timeout on every read and write.
 */
package dev.tern.transport.tcp;
