package dev.tern.cli;

import dev.tern.devices.chardev.MemoryBackend;
import dev.tern.devices.uart.Uart16550;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.machine.ResetPolicy;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.pc.boot.BootImage;
import dev.tern.pc.boot.LinuxBoot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Boots the stock Debian i386 kernel and busybox initramfs of {@code guest/} (fetched by
 * scripts/fetch-guest.sh; skipped when absent) to the shell prompt on COM1, types a command through
 * the UART's backend and checks its output, then reboots the guest, which ends the run.
 */
class LinuxBootTest {

    private static final String APPEND = "console=ttyS0 nolapic noapic acpi=off cryptomgr.notests noisapnp pnpbios=off";
    /** Bounds the whole run: the prompt appears after about 3 G instructions. */
    private static final long MAX_INSTRUCTIONS = 12_000_000_000L;
    private static final long RAM = 128L << 20;

    private static Path guestDir() {
        String configured = System.getProperty("tern.guest.dir");
        return configured != null ? Path.of(configured) : Path.of("..", "..", "guest");
    }

    @Test
    @Timeout(1800)
    void bootsToTheShellAndRunsACommand() throws Exception {
        Path dir = guestDir();
        Path kernel = dir.resolve("vmlinuz");
        Path initrd = dir.resolve("initrd.cpio");
        assumeTrue(Files.isReadable(kernel) && Files.isReadable(initrd),
                "no guest kernel in " + dir.toAbsolutePath() + " (scripts/fetch-guest.sh)");
        BootImage image = LinuxBoot.prepare(kernel, initrd, APPEND, RAM);
        var spec = MachineSpec.builder().ramSize(RAM).firmware(image.firmware()).pacing(Pacing.WARP)
                .maxInstructions(MAX_INSTRUCTIONS).onReset(ResetPolicy.EXIT);
        for (var d : PcDevices.standard("none")) {
            spec.device(d);
        }
        spec.device("uart16550", "serial0", Map.of("backend", "memory"));
        try (Machine m = Machine.create(PluginRegistry.discover(getClass().getClassLoader(), List.of()), spec.build())) {
            image.load(m.memory());
            MemoryBackend console = (MemoryBackend) ((Uart16550) m.device("serial0")).backend();
            m.start();
            long started = System.nanoTime();
            MachineExit early = waitForText(m, console, "/ # ", 0);
            assertEquals(null, early, "the guest stopped before its shell prompt:\n" + console.outputText());
            System.out.printf("LinuxBootTest: shell prompt after %d instructions, %.1f s wall%n",
                    m.vcpus().getFirst().instructionCount(), (System.nanoTime() - started) / 1e9);
            int typedAt = console.outputText().length();
            console.inject("echo hello-$((6*7))\r");
            early = waitForText(m, console, "hello-42\r\n", typedAt);
            assertEquals(null, early, "no command output:\n" + console.outputText());
            console.inject("reboot -f\r");
            MachineExit exit = m.awaitExit();
            assertEquals(MachineExit.Reason.RESET, exit.reason(), exit.detail() + "\n" + console.outputText());
            String out = console.outputText();
            assertTrue(out.contains("Linux version 6.1"), out);
            assertTrue(out.contains("x86/fpu: x87 FPU"), "the kernel found the x87");
        }
    }

    /**
     * Waits until {@code text} appears after {@code from} in the console output; returns null then,
     * or the machine's exit if it ends first (the instruction limit bounds the wait).
     */
    private static MachineExit waitForText(Machine m, MemoryBackend console, String text, int from)
            throws InterruptedException {
        while (true) {
            if (console.outputText().indexOf(text, from) >= 0) {
                return null;
            }
            MachineExit exit = m.awaitExit(200);
            if (exit != null) {
                return console.outputText().indexOf(text, from) >= 0 ? null : exit;
            }
        }
    }
}
