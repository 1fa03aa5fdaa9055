package dev.tern.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tern run --kernel X.elf} boots Multiboot kernels on the x86 interpreter as QEMU's
 * {@code -kernel} does. The guests are the nasm-built ELFs of samples/cli/guests (built by its
 * build.sh; the same files boot on qemu-system-i386).
 */
class MultibootGuestTest {

    @TempDir
    Path dir;

    /** multiboot-check prints what the loader handed over and exits with 0x10 when it was right. */
    @Test
    @Timeout(120)
    void theCheckGuestSeesTheMultibootMachineState() throws Exception {
        Path kernel = dir.resolve("multiboot-check.elf");
        try (InputStream in = getClass().getResourceAsStream("/guests/multiboot-check.elf")) {
            assertNotNull(in, "multiboot-check.elf test resource (samples/cli/guests/build.sh copies it)");
            Files.copy(in, kernel);
        }
        Path serial = dir.resolve("serial.log");
        int status = Main.execute("run", "--kernel", kernel.toString(), "--append", "hello multiboot", "-m", "16M",
                "--serial", "file:" + serial, "--pacing", "warp", "--max-instructions", "10000000");
        String out = Files.readString(serial);
        assertEquals(33, status, "isa-debug-exit 0x10; serial output:\n" + out);
        assertTrue(out.contains("eax=2BADB002"), out);
        assertTrue(out.contains("flags=00000245"), "memory, cmdline, memory map, loader name:\n" + out);
        assertTrue(out.contains("mem_lower=639 mem_upper=15360"), out);
        assertTrue(out.contains("cmdline=" + kernel + " hello multiboot"), out);
        assertTrue(out.contains("PASS"), out);
    }

    /** The migration benchmark's guests start and announce themselves before dirtying memory. */
    @ParameterizedTest
    @ValueSource(strings = {"dirty-writer", "rewrite-64m"})
    @Timeout(120)
    void benchmarkGuestsRun(String name) throws Exception {
        Path kernel = Path.of("guests", name + ".elf");
        assertTrue(Files.isRegularFile(kernel), kernel.toAbsolutePath() + " (run from samples/cli)");
        Path serial = dir.resolve(name + ".log");
        Main.execute("run", "--kernel", kernel.toString(), "-m", "96M", "--serial", "file:" + serial,
                "--pacing", "warp", "--max-instructions", "3000000");
        assertEquals(name + ": running\r\n", Files.readString(serial));
    }
}
