package dev.tern.transport.exec;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.Listener;
import dev.tern.spi.transport.TransportProvider;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;

/**
 * The {@code exec} transport, one way as QEMU's: {@code connect} (a migration source) writes the
 * stream to the stdin of {@code sh -c COMMAND}, e.g. {@code exec:gzip -c > vm.gz}; {@code listen}
 * + {@code accept} (a destination) reads it from the stdout of its command, e.g.
 * {@code exec:gzip -dc vm.gz}, once. The command runs with the VMM's privileges: exec addresses
 * come from the operator, never from the network.
 */
public final class ExecTransportProvider implements TransportProvider {

    /** Config key: how long the command may take to exit after its stream ended. */
    public static final String EXIT_TIMEOUT = "exit-timeout";

    @Override
    public String id() {
        return "exec";
    }

    @Override
    public String description() {
        return "stream to a shell command's stdin (migrate) or from its stdout (incoming): exec:COMMAND";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return List.of(ConfigKey.of(EXIT_TIMEOUT, ConfigType.DURATION, "60s",
                "after the stream's end, wait this long for the command to exit (0 = forever), then kill it"));
    }

    @Override
    public Connection connect(String address, Config config) throws IOException {
        String command = ShellCommand.parse(address);
        return new ExecWriteConnection(ShellCommand.start(command, true), config.duration(EXIT_TIMEOUT));
    }

    @Override
    public Listener listen(String address, Config config) {
        String command = ShellCommand.parse(address);
        Duration exitTimeout = config.duration(EXIT_TIMEOUT);
        return new Listener() {
            private boolean accepted;
            private boolean closed;

            @Override
            public synchronized Connection accept() throws IOException {
                if (closed) {
                    throw new ClosedChannelException();
                }
                if (accepted) {
                    throw new IOException(address() + " was already accepted: an exec listener runs its command once");
                }
                accepted = true;
                return new ExecReadConnection(ShellCommand.start(command, false), exitTimeout);
            }

            @Override
            public String address() {
                return "exec:" + command;
            }

            @Override
            public synchronized void close() {
                closed = true;
            }
        };
    }
}
