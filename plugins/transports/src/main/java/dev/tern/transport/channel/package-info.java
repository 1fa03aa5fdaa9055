/**
 * What the socket transports share: a blocking {@link dev.tern.spi.transport.Connection} over a
 * non-blocking socket channel whose reads and writes give up after an idle timeout, and a listener
 * that hands out such connections. {@code tcp}, {@code unix} and the control channel of
 * {@code shm} are built on it.
 */
package dev.tern.transport.channel;
