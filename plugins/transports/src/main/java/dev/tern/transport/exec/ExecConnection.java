package dev.tern.transport.exec;

import dev.tern.spi.transport.Connection;

import java.time.Duration;

/**
 * One end of {@code exec:COMMAND}: a one-way stream to or from a shell command, copied through a
 * chunk (the process streams are plain {@code java.io}), whose failure is the command's exit status.
 */
abstract sealed class ExecConnection implements Connection permits ExecReadConnection, ExecWriteConnection {

    static final int CHUNK = 64 << 10;

    final ShellCommand command;
    final Duration exitTimeout;
    final byte[] chunk = new byte[CHUNK];

    ExecConnection(ShellCommand command, Duration exitTimeout) {
        this.command = command;
        this.exitTimeout = exitTimeout;
    }

    @Override
    public final String peer() {
        return command.uri();
    }

    /** A command's stdin or stdout carries one direction only. */
    @Override
    public final boolean isBidirectional() {
        return false;
    }
}
