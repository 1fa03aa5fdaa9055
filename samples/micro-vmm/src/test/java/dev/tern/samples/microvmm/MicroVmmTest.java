package dev.tern.samples.microvmm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs the sample as its README does, in its own JVM: the Debian guest boots to its shell on the
 * VMM's stdout, sees the virtio-blk disk, and {@code poweroff -f} ends the VMM with status 0.
 */
class MicroVmmTest {

    private static final String PROMPT = "/ # ";

    static Path guestDir() {
        return Path.of(System.getProperty("tern.guest.dir", "../../guest"));
    }

    @Test
    @Timeout(300)
    void bootsTheDebianGuestToItsShellAndPowersOff(@TempDir Path work) throws Exception {
        Path dir = guestDir();
        assumeTrue(Files.isReadable(dir.resolve("vmlinuz")) && Files.isReadable(dir.resolve("initrd.cpio")),
                "no guest kernel in " + dir.toAbsolutePath() + " (scripts/fetch-guest.sh)");
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"), "-Xss8m",
                "-cp", System.getProperty("java.class.path"), MicroVmm.class.getName(),
                dir.resolve("vmlinuz").toString(), dir.resolve("initrd.cpio").toString());
        Path errors = work.resolve("stderr.txt");
        Process vmm = new ProcessBuilder(cmd).redirectError(errors.toFile()).start();
        var console = new ByteArrayOutputStream();
        CompletableFuture<Void> typing = CompletableFuture.runAsync(
                () -> converse(vmm.getInputStream(), vmm.getOutputStream(), console));
        int status = vmm.waitFor();
        typing.join();
        String text;
        synchronized (console) {
            text = console.toString(StandardCharsets.UTF_8);
        }
        assertEquals(0, status, Files.readString(errors) + text);
        assertTrue(text.contains("Linux version 6.1"), text);
        assertTrue(text.contains("virtio_blk virtio0: [vda] 2048 512-byte logical blocks"), text);
        assertTrue(text.contains("vda-sectors-2048"), "the shell did not read the disk size:\n" + text);
    }

    @Test
    @Timeout(120)
    void aMissingKernelIsNamedAndNothingBoots(@TempDir Path work) throws Exception {
        Path missing = work.resolve("no-such-vmlinuz");
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), MicroVmm.class.getName(),
                missing.toString(), missing.toString());
        Path errors = work.resolve("stderr.txt");
        Process vmm = new ProcessBuilder(cmd).redirectError(errors.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertEquals(2, vmm.waitFor());
        String message = Files.readString(errors);
        assertTrue(message.startsWith("micro-vmm: ") && message.contains(missing.toString()), message);
    }

    /** Types a command at the first prompt and poweroff at the second. */
    private static void converse(InputStream from, OutputStream to, ByteArrayOutputStream seen) {
        try {
            int prompts = 0;
            byte[] buf = new byte[4096];
            for (int n; (n = from.read(buf)) > 0; ) {
                String text;
                synchronized (seen) {
                    seen.write(buf, 0, n);
                    text = seen.toString(StandardCharsets.UTF_8);
                }
                int count = text.split(PROMPT, -1).length - 1;
                if (count > prompts) {
                    prompts = count;
                    String line = prompts == 1 ? "echo vda-sectors-$(cat /sys/block/vda/size)\n" : "poweroff -f\n";
                    to.write(line.getBytes(StandardCharsets.US_ASCII));
                    to.flush();
                }
            }
        } catch (IOException e) {
            // The VMM exited and closed its pipes; the test checks what was seen.
        }
    }
}
