package dev.tern.cli;

import dev.tern.devices.chardev.MemoryBackend;
import dev.tern.devices.uart.Uart16550;
import dev.tern.kernel.machine.DeviceSpec;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.VcpuScheduling;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.machine.ResetPolicy;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.replay.LiveJournal;
import dev.tern.kernel.replay.ReplayJournal;
import dev.tern.pc.boot.BootImage;
import dev.tern.pc.boot.LinuxBoot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Debian guest of {@code guest/} (scripts/fetch-guest.sh) booted on a PC machine whose COM1 is
 * an in-memory backend the test reads and types into. Tests use it only when the guest files exist
 * (CI fetches them).
 */
final class LinuxGuest implements AutoCloseable {

    static final String APPEND = "console=ttyS0 nolapic noapic acpi=off cryptomgr.notests noisapnp pnpbios=off";
    static final String PROMPT = "/ # ";
    static final long RAM = 128L << 20;

    final Machine machine;
    final MemoryBackend console;

    private LinuxGuest(Machine machine, MemoryBackend console) {
        this.machine = machine;
        this.console = console;
    }

    /** The directory holding vmlinuz and initrd.cpio ({@code tern.guest.dir}, else the repository's guest/). */
    static Path guestDir() {
        String configured = System.getProperty("tern.guest.dir");
        return configured != null ? Path.of(configured) : Path.of("..", "..", "guest");
    }

    /** Skips the calling test when the guest files are missing. */
    static void assumeGuest() {
        Path dir = guestDir();
        assumeTrue(Files.isReadable(dir.resolve("vmlinuz")) && Files.isReadable(dir.resolve("initrd.cpio")),
                "no guest kernel in " + dir.toAbsolutePath() + " (scripts/fetch-guest.sh)");
    }

    /** Creates (not starts) the guest with the standard PC devices plus {@code extra}, bounded by {@code maxInstructions}. */
    static LinuxGuest create(long maxInstructions, List<DeviceSpec> extra) throws Exception {
        return create(maxInstructions, extra, Pacing.WARP, spec -> new LiveJournal());
    }

    /** Like {@link #create(long, List)}, paced as {@code pacing}, with the journal {@code journal} makes for the spec. */
    static LinuxGuest create(long maxInstructions, List<DeviceSpec> extra, Pacing pacing, JournalFactory journal) throws Exception {
        return create(1, APPEND, maxInstructions, extra, pacing, journal);
    }

    /**
     * The guest on {@code cpus} vCPUs with kernel command line {@code append}; with more than one,
     * the machine has its local APICs, I/O APIC and MP table as {@code tern run --smp} gives them.
     */
    static LinuxGuest create(int cpus, String append, long maxInstructions, List<DeviceSpec> extra, Pacing pacing,
                             JournalFactory journal) throws Exception {
        return create(cpus, VcpuScheduling.TURNS, append, maxInstructions, extra, pacing, journal);
    }

    /** Like {@link #create(int, String, long, List, Pacing, JournalFactory)}, the vCPUs scheduled as {@code scheduling}. */
    static LinuxGuest create(int cpus, VcpuScheduling scheduling, String append, long maxInstructions, List<DeviceSpec> extra,
                             Pacing pacing, JournalFactory journal) throws Exception {
        return create(cpus, scheduling, append, maxInstructions, extra, pacing, journal, Map.of());
    }

    /** The single-vCPU guest, warp-paced, on the x86 CPU with the options {@code cpuConfig} (as {@code --cpu x86,...}). */
    static LinuxGuest create(long maxInstructions, Map<String, String> cpuConfig) throws Exception {
        return create(1, VcpuScheduling.TURNS, APPEND, maxInstructions, List.of(), Pacing.WARP, spec -> new LiveJournal(),
                cpuConfig);
    }

    private static LinuxGuest create(int cpus, VcpuScheduling scheduling, String append, long maxInstructions,
                                     List<DeviceSpec> extra, Pacing pacing, JournalFactory journal,
                                     Map<String, String> cpuConfig) throws Exception {
        Path dir = guestDir();
        BootImage image = LinuxBoot.prepare(dir.resolve("vmlinuz"), dir.resolve("initrd.cpio"), append, RAM);
        var spec = MachineSpec.builder().ramSize(RAM).vcpus(cpus).firmware(image.firmware()).pacing(pacing)
                .maxInstructions(maxInstructions).onReset(ResetPolicy.EXIT).scheduling(scheduling)
                .cpu("x86", cpuConfig);
        PcDevices.standard("none", cpus).forEach(spec::device);
        spec.device("uart16550", "serial0", Map.of("backend", "memory"));
        extra.forEach(spec::device);
        MachineSpec built = spec.build();
        Machine m = Machine.create(PluginRegistry.discover(LinuxGuest.class.getClassLoader(), List.of()), built,
                journal.open(built));
        image.load(m.memory());
        if (cpus > 1) {
            PcDevices.writeSmpTables(m, cpus);
        }
        return new LinuxGuest(m, (MemoryBackend) ((Uart16550) m.device("serial0")).backend());
    }

    /** Makes a run's record/replay journal once its machine spec is known. */
    @FunctionalInterface
    interface JournalFactory {
        ReplayJournal open(MachineSpec spec) throws Exception;
    }

    /** Types {@code line} and a carriage return on the console; returns the output length before it. */
    int type(String line) {
        int at = console.outputText().length();
        console.inject(line + "\r");
        return at;
    }

    /**
     * Waits until {@code text} appears after offset {@code from} of the console output; returns null
     * then, or the machine's exit if it ends first (its instruction limit bounds the wait).
     */
    MachineExit waitFor(String text, int from) throws InterruptedException {
        while (true) {
            if (console.outputText().indexOf(text, from) >= 0) {
                return null;
            }
            MachineExit exit = machine.awaitExit(200);
            if (exit != null) {
                return console.outputText().indexOf(text, from) >= 0 ? null : exit;
            }
        }
    }

    String output() {
        return console.outputText();
    }

    /**
     * Types {@code command}, which must print a line {@code key=value}, and returns the value (the
     * rest of that line); fails the test when the guest stops first.
     */
    String answer(String command, String key) throws InterruptedException {
        int typedAt = type(command);
        String tag = "\n" + key + "=";
        assertNull(waitFor(tag, typedAt), "no answer to " + command + ":\n" + output());
        int at = output().indexOf(tag, typedAt) + tag.length();
        assertNull(waitFor("\r\n", at), "no answer to " + command + ":\n" + output());
        String out = output();
        return out.substring(at, out.indexOf("\r\n", at));
    }

    @Override
    public void close() {
        machine.close();
    }
}
