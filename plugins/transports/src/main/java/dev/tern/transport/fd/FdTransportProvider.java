package dev.tern.transport.fd;

import dev.tern.spi.Availability;
import dev.tern.spi.Config;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.Listener;
import dev.tern.spi.transport.TransportProvider;
import dev.tern.transport.file.FileReadConnection;
import dev.tern.transport.file.FileWriteConnection;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.util.List;

/**
 * The {@code fd} transport: {@code fd:N}, a descriptor tern inherited from whoever started it
 * ({@code tern run --incoming fd:3 3<vm.mig}, or the read end of a pipe). One way, like a file:
 * {@code connect} writes to it, {@code listen} + {@code accept} reads it once. Files and pipes
 * only ({@link InheritedDescriptor}); QMP's {@code getfd}, which hands a descriptor over a Unix
 * socket (SCM_RIGHTS), needs native code Java does not have and is not offered.
 */
public final class FdTransportProvider implements TransportProvider {

    /** Config key: write buffer. */
    public static final String BUFFER_SIZE = "buffer-size";

    private static final long MAX_BUFFER = 64L << 20;

    @Override
    public String id() {
        return "fd";
    }

    @Override
    public String description() {
        return "an inherited file or pipe descriptor (fd:N), one way: migrate writes, incoming reads";
    }

    @Override
    public Availability availability() {
        return Files.isDirectory(InheritedDescriptor.PROC_FD) ? Availability.AVAILABLE
                : Availability.unavailable("needs /proc/self/fd (Linux) to open a descriptor by number");
    }

    @Override
    public List<ConfigKey> configKeys() {
        return List.of(ConfigKey.of(BUFFER_SIZE, ConfigType.SIZE, "1M", "write buffer size"));
    }

    @Override
    public Connection connect(String address, Config config) throws IOException {
        InheritedDescriptor fd = InheritedDescriptor.parse(address);
        long buffer = config.size(BUFFER_SIZE);
        if (buffer < 1 || buffer > MAX_BUFFER) {
            throw new dev.tern.spi.ConfigException("config key '" + BUFFER_SIZE + "' must be 1.." + MAX_BUFFER
                    + ", not " + buffer);
        }
        // No fsync: a pipe cannot be synced, and a file's durability is its opener's business.
        return FileWriteConnection.over(fd.uri(), fd.openForWriting(), (int) buffer, false);
    }

    @Override
    public Listener listen(String address, Config config) {
        InheritedDescriptor fd = InheritedDescriptor.parse(address);
        return new Listener() {
            private boolean accepted;
            private boolean closed;

            @Override
            public synchronized Connection accept() throws IOException {
                if (closed) {
                    throw new ClosedChannelException();
                }
                if (accepted) {
                    throw new IOException(fd.uri() + " was already accepted: an fd listener reads its descriptor once");
                }
                accepted = true;
                return FileReadConnection.over(fd.uri(), fd.openForReading());
            }

            @Override
            public String address() {
                return fd.uri();
            }

            @Override
            public synchronized void close() {
                closed = true;
            }
        };
    }
}
