package dev.tern.transport.shm;

import dev.tern.spi.ConfigException;
import dev.tern.transport.tcp.TcpAddress;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** Where the control channel of an shm connection runs: {@code unix:PATH} or {@code tcp:HOST:PORT}. */
sealed interface ControlAddress {

    /** A Unix domain socket. */
    record Unix(Path path) implements ControlAddress {
        @Override
        public String toString() {
            return "unix:" + path;
        }
    }

    /** A TCP socket (same host: the memory is shared through the file system). */
    record Tcp(TcpAddress address) implements ControlAddress {
        @Override
        public String toString() {
            return "tcp:" + address;
        }
    }

    /**
     * Parses the part after {@code shm:}.
     *
     * @throws ConfigException naming the address
     */
    static ControlAddress parse(String text) {
        if (text == null) {
            throw new ConfigException("shm address is missing; expected shm:unix:PATH or shm:tcp:HOST:PORT");
        }
        if (text.startsWith("unix:") && text.length() > 5) {
            try {
                return new Unix(Path.of(text.substring(5)));
            } catch (InvalidPathException e) {
                throw new ConfigException("shm address '" + text + "' has an invalid path: " + e.getMessage(), e);
            }
        }
        if (text.startsWith("tcp:")) {
            try {
                return new Tcp(TcpAddress.parse(text.substring(4)));
            } catch (ConfigException e) {
                throw new ConfigException("shm address '" + text + "': " + e.getMessage(), e);
            }
        }
        throw new ConfigException("shm address '" + text + "' must be unix:PATH or tcp:HOST:PORT (the control channel)");
    }
}
