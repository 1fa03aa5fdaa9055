package dev.tern.transport.fd;

import dev.tern.spi.transport.TransportProvider;
import dev.tern.testkit.transport.TransportContract;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;

/**
 * The contract over descriptors this JVM holds open on fresh files, found by number in
 * /proc/self/fd as an inherited one would be.
 */
class FdTransportContractTest extends TransportContract {

    private final AtomicInteger files = new AtomicInteger();
    private final List<FileChannel> open = new ArrayList<>();

    @Override
    protected TransportProvider provider() {
        return new FdTransportProvider();
    }

    @Override
    protected String listenAddress() {
        try {
            Path file = tempDir.resolve("stream" + files.incrementAndGet() + ".bin");
            open.add(FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
            return Integer.toString(FdNumbers.of(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterEach
    void closeDescriptors() throws IOException {
        for (FileChannel c : open) {
            c.close();
        }
    }

    @Override
    protected String unreachableAddress() {
        return Integer.toString(InheritedDescriptor.MAX);
    }

    @Override
    protected String malformedAddress() {
        return "three";
    }

    /** Finds descriptor numbers by what they point at. */
    static final class FdNumbers {
        private FdNumbers() {
        }

        static int of(Path file) throws IOException {
            Path real = file.toRealPath();
            try (Stream<Path> fds = Files.list(InheritedDescriptor.PROC_FD)) {
                for (Path fd : fds.toList()) {
                    try {
                        if (Files.readSymbolicLink(fd).equals(real)) {
                            return Integer.parseInt(fd.getFileName().toString());
                        }
                    } catch (IOException gone) {
                        // a descriptor closed meanwhile
                    }
                }
            }
            throw new IOException("no descriptor of this process points at " + real);
        }
    }
}
