/**
 * The {@code tls:HOST:PORT} transport: TLS 1.3 (JDK {@link javax.net.ssl.SSLEngine}) over the TCP
 * stream of {@code dev.tern.transport.tcp}, with certificates from PEM files or a PKCS#12 key
 * store, mutual authentication by default, a peer-name check and refusals that say why.
 */
package dev.tern.transport.tls;
