package dev.tern.transport.fd;

import dev.tern.spi.ConfigException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file descriptor this process inherited, opened again through {@code /proc/self/fd/N}: the
 * only way Java reaches a descriptor by number without native code. That works for files and
 * pipes; a socket cannot be reopened so (the kernel answers ENXIO), and is refused by name.
 *
 * @param number the descriptor number
 */
record InheritedDescriptor(int number) {

    /** Highest descriptor number accepted; far above any process limit in use. */
    static final int MAX = 1 << 20;

    static final Path PROC_FD = Path.of("/proc/self/fd");

    /** Parses {@code N} as written after {@code fd:}. */
    static InheritedDescriptor parse(String text) {
        if (text == null || text.isEmpty() || text.length() > 7 || !text.chars().allMatch(Character::isDigit)) {
            throw new ConfigException("fd address '" + text + "' is invalid: expected fd:N, N a descriptor number");
        }
        int n = Integer.parseInt(text);
        if (n > MAX) {
            throw new ConfigException("fd address '" + text + "' is invalid: above " + MAX);
        }
        return new InheritedDescriptor(n);
    }

    String uri() {
        return "fd:" + number;
    }

    /** Opens the descriptor for writing (stdout and stderr are the VMM's own and refused). */
    FileChannel openForWriting() throws IOException {
        if (number == 1 || number == 2) {
            throw new IOException(uri() + " is the VMM's own " + (number == 1 ? "stdout" : "stderr")
                    + ", which carries its messages; pass the stream on another descriptor (e.g. 3>vm.mig)");
        }
        return open(StandardOpenOption.WRITE);
    }

    /** Opens the descriptor for reading from its current content. */
    FileChannel openForReading() throws IOException {
        return open(StandardOpenOption.READ);
    }

    private FileChannel open(StandardOpenOption mode) throws IOException {
        Path path = PROC_FD.resolve(Integer.toString(number));
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(uri() + " is not open in this process: pass it when starting tern (e.g. "
                    + (mode == StandardOpenOption.READ ? number + "<vm.mig" : number + ">vm.mig") + ")");
        }
        String target = target(path);
        if (target.startsWith("socket:")) {
            throw new IOException(uri() + " is a socket (" + target + "): Java cannot take over an inherited socket"
                    + " without native code; use a unix: or tcp: address instead");
        }
        try {
            return FileChannel.open(path, mode);
        } catch (FileSystemException e) {
            throw new IOException("cannot open " + uri() + " (" + target + ") for "
                    + (mode == StandardOpenOption.READ ? "reading" : "writing") + ": " + e.getMessage(), e);
        }
    }

    private static String target(Path path) {
        try {
            return Files.readSymbolicLink(path).toString();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
