/** The {@code fd:N} transport: a file or pipe descriptor inherited from the process that started tern. */
package dev.tern.transport.fd;
