/**
 * Options written into a transport address ({@code tcp:HOST:PORT?io-timeout=2s}): an operator
 * hands over one URI for a migration, multifd, FT or witness peer, so the URI must be able to carry
 * the transport's settings; the transport's configuration supplies the defaults.
 */
package dev.tern.transport.address;
