package dev.tern.cli;

import dev.tern.devices.chardev.MemoryBackend;
import dev.tern.devices.uart.Uart16550;
import dev.tern.kernel.config.ConfigText;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.machine.ResetPolicy;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.pc.boot.BootImage;
import dev.tern.pc.boot.LinuxBoot;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Time to the shell prompt of the Debian guest, as a user of {@code ./tern run --kernel ...} sees
 * it: the first run is timed from the JVM's start (class loading, the host-side XZ unpacking of the
 * bzImage and a cold JIT included); later runs in the same JVM show the warm interpreter.
 */
final class BootBench {

    /** The README's command line. */
    static final String APPEND = "console=ttyS0 nolapic noapic acpi=off cryptomgr.notests quiet noisapnp pnpbios=off";
    static final String PROMPT = "/ # ";
    private static final long RAM = 128L << 20;
    private static final long LIMIT = 12_000_000_000L;

    private final PluginRegistry plugins;
    private final Path dir;
    private final Pacing pacing;
    private final ConfigText cpu;
    private final PrintStream out;

    BootBench(PluginRegistry plugins, Path dir, Pacing pacing, PrintStream out) {
        this(plugins, dir, pacing, ConfigText.parse("x86"), out);
    }

    /** Boots on the CPU {@code cpu} names, with its options (as {@code --cpu x86,tier=jit}). */
    BootBench(PluginRegistry plugins, Path dir, Pacing pacing, ConfigText cpu, PrintStream out) {
        this.plugins = plugins;
        this.dir = dir;
        this.pacing = pacing;
        this.cpu = cpu;
        this.out = out;
    }

    /** One boot to the prompt; prints and returns the seconds from {@code sinceMillis} (epoch ms) to the prompt. */
    double run(int number, long sinceMillis) throws Exception {
        Path kernel = dir.resolve("vmlinuz");
        Path initrd = dir.resolve("initrd.cpio");
        if (!Files.isReadable(kernel) || !Files.isReadable(initrd)) {
            throw new IllegalArgumentException("no Debian guest in " + dir.toAbsolutePath()
                    + " (vmlinuz, initrd.cpio): run scripts/fetch-guest.sh");
        }
        long t0 = System.nanoTime();
        BootImage image = LinuxBoot.prepare(kernel, initrd, APPEND, RAM);
        var spec = MachineSpec.builder().ramSize(RAM).firmware(image.firmware()).pacing(pacing)
                .maxInstructions(LIMIT).onReset(ResetPolicy.EXIT).cpu(cpu.id(), cpu.options());
        PcDevices.standard("none").forEach(spec::device);
        spec.device("uart16550", "serial0", Map.of("backend", "memory"));
        try (Machine m = Machine.create(plugins, spec.build())) {
            image.load(m.memory());
            MemoryBackend console = (MemoryBackend) ((Uart16550) m.device("serial0")).backend();
            long t1 = System.nanoTime();
            long cpu1 = BenchCommand.processCpuNanos();
            m.start();
            while (!console.awaitText(PROMPT, 0, 100)) {
                MachineExit exit = m.awaitExit(0);
                if (exit != null) {
                    throw new IllegalStateException("the guest stopped before its prompt: " + exit.detail()
                            + "\n" + console.outputText());
                }
            }
            long t2 = System.nanoTime();
            // Process CPU time stays comparable when other work shares the cores (wall time does not).
            double cpu = (BenchCommand.processCpuNanos() - cpu1) / 1e9;
            long instructions = m.vcpus().getFirst().instructionCount();
            double total = (System.currentTimeMillis() - sinceMillis) / 1e3;
            out.printf(Locale.ROOT, "boot %d: prompt at %.2f s (unpack+load %.2f s, guest %.2f s, process CPU %.2f s, "
                    + "%,d instructions, %.1f MIPS)%n", number, total, (t1 - t0) / 1e9, (t2 - t1) / 1e9, cpu, instructions,
                    instructions / ((t2 - t1) / 1e3));
            return total;
        }
    }

    /** Boots {@code runs} times; the first is timed from JVM start, the others from their own start. */
    void runAll(int runs) throws Exception {
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        out.printf(Locale.ROOT, "Debian guest from %s, --pacing %s, append \"%s\"%n", dir, pacing.name().toLowerCase(Locale.ROOT), APPEND);
        double first = run(1, jvmStart);
        double best = Double.MAX_VALUE;
        for (int i = 2; i <= runs; i++) {
            best = Math.min(best, run(i, System.currentTimeMillis()));
        }
        out.printf(Locale.ROOT, "time to prompt: %.2f s from JVM start%s%n", first,
                runs > 1 ? String.format(Locale.ROOT, "; warm best %.2f s", best) : "");
    }
}
