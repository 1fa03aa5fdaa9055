package dev.tern.cli;

import dev.tern.devices.chardev.MemoryBackend;
import dev.tern.devices.uart.Uart16550;
import dev.tern.kernel.machine.DeviceSpec;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Machine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Debian guest of {@code tern bench --ft --ft-linux DIR}: booted as the README's command boots
 * it ({@code vmlinuz} and {@code initrd.cpio} of DIR, COM1 the console), and measured once its shell
 * waits at the prompt — idle there, or running {@code workload}, a shell command typed on the
 * console (e.g. a loop writing memory). On the bench's own machine the console is an in-memory
 * backend it reads and types into; the standby's COM1 writes a file (the same device set, so the
 * pair's configuration check passes).
 *
 * @param dir where {@code vmlinuz} and {@code initrd.cpio} are
 * @param workload the shell command typed at the prompt before the window, or null for the idle guest
 */
record DebianBenchGuest(Path dir, String workload) {

    /** The guest's RAM unless {@code --ft-ram} says otherwise, as the tests boot it. */
    static final String RAM = "128M";
    /** The boot and the workload's start, even on a loaded host under checkpoints. */
    private static final long PROMPT_PATIENCE_SECONDS = 600;

    DebianBenchGuest {
        if (workload != null && (workload.isBlank() || workload.indexOf('\r') >= 0 || workload.indexOf('\n') >= 0)) {
            throw new IllegalArgumentException("--ft-workload: one shell command line, not '" + workload + "'");
        }
    }

    /** @throws IllegalArgumentException naming the directory when the guest's files are missing */
    void check() {
        if (!Files.isReadable(dir.resolve("vmlinuz")) || !Files.isReadable(dir.resolve("initrd.cpio"))) {
            throw new IllegalArgumentException("--ft-linux: no Debian guest in " + dir.toAbsolutePath()
                    + " (vmlinuz, initrd.cpio): run scripts/fetch-guest.sh");
        }
    }

    /** The {@code tern run} machine options that boot it with {@code ram} and COM1 on {@code serial}. */
    List<String> machine(String ram, String serial) {
        return List.of("--kernel", dir.resolve("vmlinuz").toString(), "--initrd", dir.resolve("initrd.cpio").toString(),
                "--append", BootBench.APPEND, "-m", ram, "--serial", serial);
    }

    /** {@code spec} with COM1 on an in-memory backend this bench reads and types into, in the same place. */
    static MachineSpec withMemoryConsole(MachineSpec spec) {
        List<DeviceSpec> devices = spec.devices().stream().map(d -> d.instance().equals("serial0")
                ? new DeviceSpec(d.provider(), d.instance(), Map.of("backend", "memory")) : d).toList();
        return spec.withDevices(devices);
    }

    /**
     * Waits for the shell prompt on {@code machine}'s console, then types the workload, if any,
     * after a marker the shell computes and prints ({@code echo tern-bench-$((40+2))}: the echo of
     * the typed line, which the line editor may wrap, never holds the answer); once the marker
     * appears the workload runs.
     *
     * @throws IllegalStateException when the guest stops, or the prompt or marker does not come in time
     */
    void reachWorkload(Machine machine) throws InterruptedException {
        MemoryBackend console = (MemoryBackend) ((Uart16550) machine.device("serial0")).backend();
        awaitText(machine, console, BootBench.PROMPT, 0);
        if (workload != null) {
            int from = console.outputText().length();
            console.inject("echo tern-bench-$((40+2)); " + workload + "\r");
            awaitText(machine, console, "tern-bench-42\r\n", from);
        }
    }

    private static void awaitText(Machine machine, MemoryBackend console, String text, int from)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PROMPT_PATIENCE_SECONDS);
        while (!console.awaitText(text, from, 100)) {
            MachineExit exit = machine.awaitExit(0);
            if (exit != null || System.nanoTime() > deadline) {
                String shown = console.outputText();
                throw new IllegalStateException("the Debian guest " + (exit != null ? "stopped (" + exit.detail() + ")"
                        : "did not show it within " + PROMPT_PATIENCE_SECONDS + " s") + " before '" + text.strip()
                        + "' on its console; its last output:\n" + shown.substring(Math.max(0, shown.length() - 2000)));
            }
        }
    }

    /** For the bench's summary line. */
    String describe() {
        return "Debian guest (" + dir + "), " + (workload == null ? "idle at the shell prompt" : "running '" + workload + "'");
    }
}
