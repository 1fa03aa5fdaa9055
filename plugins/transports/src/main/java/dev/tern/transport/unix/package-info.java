/**
 * The {@code unix:PATH} transport: Unix domain stream sockets with the same idle-timeout semantics
 * as {@code tcp}.
 */
package dev.tern.transport.unix;
