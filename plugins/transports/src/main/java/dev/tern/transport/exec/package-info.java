/**
 * The {@code exec:COMMAND} transport: a migration stream written to a shell command's stdin or
 * read from its stdout ({@code exec:gzip -c > vm.gz}, {@code exec:gzip -dc vm.gz}).
 */
package dev.tern.transport.exec;
