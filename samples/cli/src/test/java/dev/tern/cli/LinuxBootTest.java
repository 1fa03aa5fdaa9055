package dev.tern.cli;

import dev.tern.kernel.machine.MachineExit;
import dev.tern.x86.X86Cpu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Boots the stock Debian i386 kernel and busybox initramfs to the shell prompt on COM1, types
 * commands and checks their output; {@code reboot -f} and {@code poweroff -f} end the VMM with
 * status 0.
 */
class LinuxBootTest {

    /** Bounds every run: the prompt appears after about 545 M instructions. */
    private static final long MAX_INSTRUCTIONS = 12_000_000_000L;

    @Test
    @Timeout(1800)
    void bootsToTheShellAndRunsACommand() throws Exception {
        LinuxGuest.assumeGuest();
        try (var g = LinuxGuest.create(MAX_INSTRUCTIONS, List.of())) {
            g.machine.start();
            long started = System.nanoTime();
            assertNull(g.waitFor(LinuxGuest.PROMPT, 0), "the guest stopped before its shell prompt:\n" + g.output());
            System.out.printf("LinuxBootTest: shell prompt after %d instructions, %.1f s wall%n",
                    g.machine.vcpus().getFirst().instructionCount(), (System.nanoTime() - started) / 1e9);
            int typedAt = g.type("echo hello-$((6*7))");
            assertNull(g.waitFor("hello-42\r\n", typedAt), "no command output:\n" + g.output());
            // The default model (pentium-pro): Linux drops SEP for its signature and keeps INT 0x80.
            List<String> flags = LinuxFastPathTest.cpuFlags(g);
            assertTrue(flags.contains("fxsr") && !flags.contains("sep"), "flags " + flags);
            assertEquals(0, ((X86Cpu) g.machine.vcpus().getFirst()).sysenterCount(), "no SYSENTER on pentium-pro");
            System.out.println("LinuxBootTest: pentium-pro flags " + String.join(" ", flags));
            g.type("reboot -f");
            MachineExit exit = g.machine.awaitExit();
            assertEquals(MachineExit.Reason.RESET, exit.reason(), exit.detail() + "\n" + g.output());
            assertEquals(0, exit.status());
            String out = g.output();
            assertTrue(out.contains("Linux version 6.1"), out);
            assertTrue(out.contains("x86/fpu: x87 FPU will use FXSAVE"), "the kernel found the x87 and FXSR");
        }
    }

    /** The real CLI in its own process: keys typed on its stdin reach the guest's shell through COM1. */
    @Test
    @Timeout(1800)
    void interactiveShellOverStdioThenPoweroff() throws Exception {
        LinuxGuest.assumeGuest();
        var cmd = new ArrayList<String>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("-Xss8m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run",
                "--kernel", LinuxGuest.guestDir().resolve("vmlinuz").toString(),
                "--initrd", LinuxGuest.guestDir().resolve("initrd.cpio").toString(),
                "--append", LinuxGuest.APPEND, "--pacing", "warp", "--serial", "stdio",
                "--max-instructions", Long.toString(MAX_INSTRUCTIONS)));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        var out = new ByteArrayOutputStream();
        CompletableFuture<Void> typing = CompletableFuture.runAsync(() -> converse(p.getInputStream(), p.getOutputStream(), out));
        int status = p.waitFor();
        typing.join();
        String text;
        synchronized (out) {
            text = out.toString(StandardCharsets.UTF_8);
        }
        assertEquals(0, status, text);
        assertTrue(text.contains("stdin-42"), text);
    }

    /** Reads the guest console; types a command at the first prompt and poweroff at the second. */
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
                int count = text.split(LinuxGuest.PROMPT, -1).length - 1;
                if (count > prompts) {
                    prompts = count;
                    to.write((prompts == 1 ? "echo stdin-$((6*7))\n" : "poweroff -f\n").getBytes(StandardCharsets.US_ASCII));
                    to.flush();
                }
            }
        } catch (java.io.IOException e) {
            // The VMM exited and closed its pipes; the test checks what was seen.
        }
    }
}
