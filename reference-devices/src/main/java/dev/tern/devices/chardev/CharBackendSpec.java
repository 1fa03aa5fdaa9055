package dev.tern.devices.chardev;

import dev.tern.spi.ConfigException;

import java.nio.file.Path;
import java.util.Optional;

/** Which backend a character device uses, as configured; {@link #open()} creates it. */
public sealed interface CharBackendSpec {

    /** Creates the backend (opening files, binding sockets). */
    CharBackend open();

    /** The VMM's standard input and output. */
    record Stdio() implements CharBackendSpec {
        @Override
        public CharBackend open() {
            return new StdioBackend();
        }
    }

    /** An output file and an optional input file. */
    record File(Path output, Optional<Path> input) implements CharBackendSpec {
        @Override
        public CharBackend open() {
            return new FileBackend(output, input);
        }
    }

    /** A loopback TCP server. */
    record Socket(String host, int port) implements CharBackendSpec {
        @Override
        public CharBackend open() {
            return new SocketBackend(host, port);
        }
    }

    /** In-memory, for tests. */
    record Memory() implements CharBackendSpec {
        @Override
        public CharBackend open() {
            return new MemoryBackend();
        }
    }

    /** Nothing attached. */
    record Null() implements CharBackendSpec {
        @Override
        public CharBackend open() {
            return new NullBackend();
        }
    }

    /**
     * Parses a backend choice.
     *
     * @throws ConfigException naming the key and value that is wrong
     */
    static CharBackendSpec parse(String kind, String path, String input, String host, long port) {
        return switch (kind) {
            case "stdio" -> new Stdio();
            case "memory" -> new Memory();
            case "null" -> new Null();
            case "file" -> {
                if (path.isBlank()) {
                    throw new ConfigException("backend 'file' needs config key 'path' (the output file)");
                }
                yield new File(Path.of(path), input.isBlank() ? Optional.empty() : Optional.of(Path.of(input)));
            }
            case "socket" -> {
                if (port < 0 || port > 0xffff) {
                    throw new ConfigException("config key 'socket-port' = " + port + " is not 0..65535");
                }
                yield new Socket(host, (int) port);
            }
            default -> throw new ConfigException("config key 'backend' = '" + kind
                    + "' is not one of stdio, file, socket, memory, null");
        };
    }
}
