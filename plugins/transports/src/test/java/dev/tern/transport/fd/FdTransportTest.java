package dev.tern.transport.fd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.spi.Config;
import dev.tern.testkit.codec.ProviderConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Descriptors inherited the way a shell passes them, in a child process; and the refusals. */
class FdTransportTest {

    private final FdTransportProvider fd = new FdTransportProvider();
    private final Config defaults = ProviderConfig.defaults(fd);

    @TempDir
    Path dir;

    @Test
    void aChildJvmReadsAndWritesDescriptorsItInherited() throws Exception {
        Path in = dir.resolve("in.bin");
        Path out = dir.resolve("out.bin");
        byte[] data = new byte[3 << 20];
        new java.util.Random(5).nextBytes(data);
        Files.write(in, data);
        String jvm = ProcessHandle.current().info().command().orElse("java");
        // The shell opens 3 for reading and 4 for writing, then becomes the JVM: as `tern run 3<in 4>out`.
        String command = "exec '" + jvm + "' -cp '" + System.getProperty("java.class.path") + "' "
                + FdCopy.class.getName() + " 3 4 3<'" + in + "' 4>'" + out + "'";
        Process p = new ProcessBuilder(List.of("/bin/sh", "-c", command)).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), output);
        assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(out)), "the copy differs");
    }

    @Test
    void closedDescriptorsSocketsAndTheVmmsOwnOutputAreRefusedByName() throws Exception {
        IOException closed = assertThrows(IOException.class, () -> fd.connect("1048576", defaults));
        assertTrue(closed.getMessage().contains("fd:1048576 is not open in this process"), closed.getMessage());
        IOException stdout = assertThrows(IOException.class, () -> fd.connect("1", defaults));
        assertTrue(stdout.getMessage().contains("the VMM's own stdout"), stdout.getMessage());
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int n = socketDescriptor();
            IOException e = assertThrows(IOException.class, () -> fd.listen(Integer.toString(n), defaults).accept());
            assertTrue(e.getMessage().contains("is a socket") && e.getMessage().contains("unix: or tcp:"), e.getMessage());
        }
    }

    private static int socketDescriptor() throws IOException {
        try (var fds = Files.list(InheritedDescriptor.PROC_FD)) {
            for (Path p : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(p).toString().startsWith("socket:")) {
                        return Integer.parseInt(p.getFileName().toString());
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        throw new IOException("no socket descriptor found");
    }
}
