/**
 * Contract suites for migration transports: {@link dev.tern.testkit.transport.TransportContract}
 * (every transport) and {@link dev.tern.testkit.transport.StreamTransportContract} (bidirectional
 * socket-like transports: half-close, idle timeouts, a peer process killed mid-transfer).
 */
package dev.tern.testkit.transport;
