package dev.tern.cli;

import dev.tern.devices.chardev.MemoryBackend;
import dev.tern.devices.uart.Uart16550;
import dev.tern.kernel.config.ConfigText;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.machine.ResetPolicy;
import dev.tern.kernel.machine.VcpuScheduling;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.stats.StatSample;
import dev.tern.pc.boot.BootImage;
import dev.tern.pc.boot.LinuxBoot;
import dev.tern.x86.X86Cpu;
import dev.tern.x86.jit.TierStats;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Time to the shell prompt of the Debian guest, as a user of {@code ./tern run --kernel ...} sees
 * it: the first run is timed from the JVM's start (class loading, the host-side XZ unpacking of the
 * bzImage and a cold JIT included); later runs in the same JVM show the warm interpreter. With
 * several vCPUs the APIC is on (no {@code nolapic noapic}), as {@code tern run --smp N} boots. With
 * {@link #JOBS} the prompt is followed by two CPU-bound processes side by side, timed on the host:
 * what several vCPUs gain on parallel work (docs/smp.md).
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
    /** The two-process workload typed at the prompt; its output ends with {@link #JOBS_DONE}. */
    static final String JOBS = "head -c 1048576 /dev/zero | sha256sum & head -c 1048576 /dev/zero | sha256sum & wait; echo jobs-$((1+1))";
    static final String JOBS_DONE = "jobs-2\r\n";

    private final ConfigText cpu;
    private final PrintStream out;
    private final int cpus;
    private final VcpuScheduling scheduling;
    private final boolean jobs;

    BootBench(PluginRegistry plugins, Path dir, Pacing pacing, PrintStream out) {
        this(plugins, dir, pacing, ConfigText.parse("x86"), out);
    }

    /** Boots on the CPU {@code cpu} names, with its options (as {@code --cpu x86,tier=jit}). */
    BootBench(PluginRegistry plugins, Path dir, Pacing pacing, ConfigText cpu, PrintStream out) {
        this(plugins, dir, pacing, cpu, out, 1, VcpuScheduling.TURNS, false);
    }

    /** Like {@link #BootBench(PluginRegistry, Path, Pacing, ConfigText, PrintStream)} with {@code cpus} vCPUs scheduled as given, and the two-job workload if {@code jobs}. */
    BootBench(PluginRegistry plugins, Path dir, Pacing pacing, ConfigText cpu, PrintStream out, int cpus,
              VcpuScheduling scheduling, boolean jobs) {
        this.plugins = plugins;
        this.dir = dir;
        this.pacing = pacing;
        this.cpu = cpu;
        this.out = out;
        this.cpus = cpus;
        this.scheduling = scheduling;
        this.jobs = jobs;
    }

    /** The kernel command line: the README's, with the APIC left on when there are several vCPUs. */
    private String append() {
        return cpus == 1 ? APPEND : APPEND.replace("nolapic noapic ", "");
    }

    /** What one run measured: seconds to the prompt, and for the workload its seconds and instructions (0 without). */
    record Result(double prompt, double jobSeconds, long jobInstructions) {
    }

    /** One boot to the prompt (and the workload); prints and returns what it measured, the prompt from {@code sinceMillis} (epoch ms). */
    Result run(int number, long sinceMillis) throws Exception {
        Path kernel = dir.resolve("vmlinuz");
        Path initrd = dir.resolve("initrd.cpio");
        if (!Files.isReadable(kernel) || !Files.isReadable(initrd)) {
            throw new IllegalArgumentException("no Debian guest in " + dir.toAbsolutePath()
                    + " (vmlinuz, initrd.cpio): run scripts/fetch-guest.sh");
        }
        long t0 = System.nanoTime();
        BootImage image = LinuxBoot.prepare(kernel, initrd, append(), RAM);
        var spec = MachineSpec.builder().ramSize(RAM).firmware(image.firmware()).pacing(pacing)
                .maxInstructions(LIMIT * cpus).onReset(ResetPolicy.EXIT).cpu(cpu.id(), cpu.options())
                .vcpus(cpus).scheduling(scheduling);
        PcDevices.standard("none", cpus).forEach(spec::device);
        spec.device("uart16550", "serial0", Map.of("backend", "memory"));
        try (Machine m = Machine.create(plugins, spec.build())) {
            image.load(m.memory());
            if (cpus > 1) {
                PcDevices.writeSmpTables(m, cpus);
            }
            MemoryBackend console = (MemoryBackend) ((Uart16550) m.device("serial0")).backend();
            long t1 = System.nanoTime();
            long started = System.currentTimeMillis();
            long cpu1 = BenchCommand.processCpuNanos();
            ThreadCpu threads = ThreadCpu.read();
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
            long instructions = instructions(m);
            double total = (System.currentTimeMillis() - sinceMillis) / 1e3;
            out.printf(Locale.ROOT, "boot %d: prompt at %.2f s (unpack+load %.2f s, guest %.2f s, process CPU %.2f s, "
                    + "%,d instructions, %.1f MIPS)%n", number, total, (t1 - t0) / 1e9, (t2 - t1) / 1e9, cpu, instructions,
                    instructions / ((t2 - t1) / 1e3));
            out.printf(Locale.ROOT, "  first guest instruction at %.2f s; by thread to the prompt: %s%n",
                    (started - sinceMillis) / 1e3, ThreadCpu.read().since(threads));
            printIdle(m);
            printTier(m);
            if (!jobs) {
                return new Result(total, 0, 0);
            }
            int from = console.outputText().length();
            long i0 = instructions(m);
            long t3 = System.nanoTime();
            console.inject(JOBS + "\r");
            while (!console.awaitText(JOBS_DONE, from, 100)) {
                if (m.awaitExit(0) != null) {
                    throw new IllegalStateException("the guest stopped before its jobs ended:\n" + console.outputText());
                }
            }
            double seconds = (System.nanoTime() - t3) / 1e9;
            long done = instructions(m) - i0;
            out.printf(Locale.ROOT, "boot %d: two jobs in %.2f s, %,d instructions, %.1f MIPS%n", number, seconds, done,
                    done / seconds / 1e6);
            return new Result(total, seconds, done);
        }
    }

    /**
     * How much of the guest's time was idle: HLT rounds and the virtual time they skipped (under
     * realtime pacing the host slept that long, under warp pacing it jumped at once).
     */
    private void printIdle(Machine m) {
        var stat = m.stats().get("/Machine/Halts");
        long halts = stat != null && stat.sample() instanceof StatSample.Value v ? v.value() : -1;
        var clock = m.clock();
        out.printf(Locale.ROOT, "  idle: %,d halts, %.1f ms of %.2f s virtual time skipped to timers%n", halts,
                clock.warpNanos() / 1e6, clock.nanos() / 1e9);
    }

    /** What each vCPU's compiling tier did up to the prompt (nothing when it is off). */
    private void printTier(Machine m) {
        for (int i = 0; i < m.vcpus().size(); i++) {
            if (m.vcpus().get(i) instanceof X86Cpu x && x.tierStats() != null) {
                TierStats t = x.tierStats();
                out.printf(Locale.ROOT, "  vCPU %d jit: %s%n", i, t.summary());
                out.printf(Locale.ROOT, "    mid-block exits: %s%n", TierStats.top(t.exits(), 2));
                out.printf(Locale.ROOT, "    refused, by first instruction outside the subset: %s%n", TierStats.top(t.refused(), 10));
                out.printf(Locale.ROOT, "    partial, by first instruction left out: %s%n", TierStats.top(t.partial(), 10));
            }
        }
    }

    /** What every vCPU retired. */
    private static long instructions(Machine m) {
        return m.vcpus().stream().mapToLong(dev.tern.spi.cpu.Vcpu::instructionCount).sum();
    }

    /** Boots {@code runs} times; the first is timed from JVM start, the others from their own start. */
    void runAll(int runs) throws Exception {
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        out.printf(Locale.ROOT, "Debian guest from %s, --pacing %s, --smp %d%s, append \"%s\"%n", dir,
                pacing.name().toLowerCase(Locale.ROOT), cpus, scheduling == VcpuScheduling.PARALLEL ? ",threads=parallel" : "", append());
        var results = new java.util.ArrayList<Result>();
        results.add(run(1, jvmStart));
        for (int i = 2; i <= runs; i++) {
            results.add(run(i, System.currentTimeMillis()));
        }
        double first = results.getFirst().prompt();
        var warm = results.subList(1, results.size());
        out.printf(Locale.ROOT, "time to prompt: %.2f s from JVM start%s%n", first, warm.isEmpty() ? ""
                : "; warm " + spread(warm.stream().mapToDouble(Result::prompt).toArray(), "s"));
        if (jobs) {
            out.printf(Locale.ROOT, "two jobs: %s; %s%n", spread(results.stream().mapToDouble(Result::jobSeconds).toArray(), "s"),
                    spread(results.stream().mapToDouble(r -> r.jobInstructions() / r.jobSeconds() / 1e6).toArray(), "MIPS"));
        }
    }

    /** "median M [min–max] unit (n runs)". */
    static String spread(double[] values, String unit) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        return String.format(Locale.ROOT, "median %.2f [%.2f–%.2f] %s (%d runs)", median, v[0], v[v.length - 1], unit, v.length);
    }
}
