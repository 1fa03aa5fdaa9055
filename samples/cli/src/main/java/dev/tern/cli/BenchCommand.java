package dev.tern.cli;

import dev.tern.kernel.config.ConfigText;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.replay.LiveJournal;
import dev.tern.kernel.replay.RecordingJournal;
import dev.tern.kernel.replay.ReplayJournal;
import dev.tern.kernel.replay.ReplayLogHeader;
import dev.tern.kernel.replay.ReplayLogWriter;
import dev.tern.spi.SpiVersion;
import dev.tern.x86.X86Cpu;
import dev.tern.x86.jit.TierStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tern bench}: guest MIPS of the x86 interpreter on a CPU-bound guest (a sieve of
 * Eratosthenes in 32-bit protected mode, {@code bench.rom}). Warm-up runs let the JIT compile the
 * interpreter first; each measured run is a fresh machine executing exactly the same instructions.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure guest MIPS on a CPU-bound guest, (--linux) the Debian guest's time to prompt, or (--ft)"
                + " fault-tolerance checkpoints.")
final class BenchCommand implements Callable<Integer> {

    static final String BENCH_ROM = "/dev/tern/cli/bench.rom";
    /** The --ft guests' RAM unless --ft-ram or --ft-linux says otherwise. */
    static final String FT_RAM = "16M";

    @Option(names = "--instructions", paramLabel = "N", defaultValue = "300000000",
            description = "Instructions per measured run. Default: ${DEFAULT-VALUE}.")
    long instructions;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "2", description = "Warm-up runs. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "3", description = "Measured runs. Default: ${DEFAULT-VALUE}.")
    int runs;

    @Option(names = "--linux", paramLabel = "DIR", arity = "0..1", fallbackValue = "guest",
            description = "Instead of MIPS: time the Debian guest in DIR (vmlinuz, initrd.cpio; default guest/) "
                    + "from JVM start to its shell prompt, booted like the README's command; --runs boots in all.")
    Path linux;

    @Option(names = "--pacing", paramLabel = "MODE", defaultValue = "realtime",
            description = "With --linux: realtime (as ./tern run) or warp. Default: ${DEFAULT-VALUE}.")
    String pacing;

    @Option(names = "--smp", paramLabel = "N[,threads=turns|parallel]", defaultValue = "1",
            description = "With --linux: vCPUs, as tern run --smp (the APIC on when N > 1). Default: ${DEFAULT-VALUE}.")
    String smp;

    @Option(names = "--jobs", description = "With --linux: at the prompt, time two CPU-bound processes side by side (two sha256sum of 1 MiB).")
    boolean jobs;

    @Option(names = "--cpu", paramLabel = "ID[,KEY=VALUE...]", defaultValue = "x86",
            description = "CPU plugin and its options, as for tern run (e.g. x86,tier=jit); also for --linux. "
                    + "Default: ${DEFAULT-VALUE}.")
    String cpu;

    @Option(names = "--record", description = "Record each run to a temporary replay log (as tern run --record) to measure what recording costs.")
    boolean record;

    @Option(names = "--checkpoint-interval", paramLabel = "N", defaultValue = "10000000",
            description = "With --record: instructions between state checkpoints. Default: ${DEFAULT-VALUE}.")
    long checkpointInterval;

    @Option(names = "--ft", description = "Instead of MIPS: fault-tolerance checkpoints of the 64-page dirtier protected"
            + " by a standby in a child process — bytes per checkpoint and pause percentiles; --runs pairs in all.")
    boolean ft;

    @Option(names = "--ft-failover", description = "Instead of MIPS: the failover time — a primary and a standby in child"
            + " processes, the primary frozen (SIGSTOP) or killed (SIGKILL), from the standby's last message heard to its"
            + " guest running, on its clock; --runs of each, alternating.")
    boolean ftFailover;

    @Option(names = "--ft-interval", paramLabel = "T", defaultValue = "50ms",
            description = "With --ft: the checkpoint interval, or off (the same guest unprotected, the baseline of the"
                    + " slowdown). Default: ${DEFAULT-VALUE}.")
    String ftInterval;

    @Option(names = "--ft-seconds", paramLabel = "S", defaultValue = "5",
            description = "With --ft: seconds measured per run, after the full sync. Default: ${DEFAULT-VALUE}.")
    long ftSeconds;

    @Option(names = "--ft-bios", paramLabel = "ROM",
            description = "With --ft: the guest ROM. Default: the bundled 64-page dirtier (dirty-64.rom).")
    Path ftBios;

    @Option(names = "--ft-kernel", paramLabel = "FILE",
            description = "With --ft: the guest, a kernel booted directly as tern run --kernel boots it (e.g. the 64 MiB"
                    + " rewriter, samples/cli/guests/rewrite-64m.elf, with --ft-ram 96M). Excludes --ft-bios.")
    Path ftKernel;

    @Option(names = "--ft-linux", paramLabel = "DIR", arity = "0..1", fallbackValue = "guest",
            description = "With --ft: the Debian guest in DIR (vmlinuz, initrd.cpio; default guest/), booted as the"
                    + " README's command with 128M; the window starts at its shell prompt. Excludes --ft-bios and --ft-kernel.")
    Path ftLinux;

    @Option(names = "--ft-workload", paramLabel = "COMMAND",
            description = "With --ft-linux: a shell command typed at the prompt before the window (e.g. a loop writing"
                    + " memory); without it the guest idles at the prompt.")
    String ftWorkload;

    @Option(names = "--ft-ram", paramLabel = "SIZE",
            description = "With --ft: guest RAM. Default: 16M, with --ft-linux 128M.")
    String ftRam;

    @Option(names = "--ft-keys", paramLabel = "KEY=VALUE,...", defaultValue = "",
            description = "With --ft: more keys of the primary's --ft (e.g. codecs=none, full-sync=stop); timeout= is"
                    + " 5s unless given.")
    String ftKeys;

    @Override
    public Integer call() throws Exception {
        PluginRegistry plugins = PluginRegistry.discover(getClass().getClassLoader(), List.of());
        if (ftFailover) {
            new FtFailoverBench(ftInterval, ftRam != null ? ftRam : FT_RAM, 2, System.out).runAll(Math.max(1, runs));
            return 0;
        }
        if (ft) {
            if (ftWorkload != null && ftLinux == null) {
                throw new IllegalArgumentException("--ft-workload needs --ft-linux: it is typed at the Debian guest's shell");
            }
            DebianBenchGuest debian = ftLinux == null ? null : new DebianBenchGuest(ftLinux, ftWorkload);
            String ram = ftRam != null ? ftRam : debian != null ? DebianBenchGuest.RAM : FT_RAM;
            new FtBench(plugins, ftBios, ftKernel, debian, ram, ftInterval, ftKeys, ftSeconds, System.out)
                    .runAll(Math.max(1, runs));
            return 0;
        }
        if (linux != null) {
            Pacing mode = switch (pacing) {
                case "realtime" -> Pacing.REALTIME;
                case "warp" -> Pacing.WARP;
                default -> throw new IllegalArgumentException("--pacing: '" + pacing + "' is neither realtime nor warp");
            };
            SmpOption vcpus = SmpOption.parse(smp);
            new BootBench(plugins, linux, mode, ConfigText.parse(cpu), System.out, vcpus.count(), vcpus.scheduling(), jobs)
                    .runAll(Math.max(1, runs));
            return 0;
        }
        byte[] rom = benchRom();
        ConfigText cpuText = ConfigText.parse(cpu);
        for (int i = 0; i < warmup; i++) {
            Result r = run(plugins, rom, instructions, record ? checkpointInterval : -1, cpuText);
            System.out.printf(Locale.ROOT, "warm-up %d: %s%n", i + 1, r);
        }
        double best = 0;
        double sum = 0;
        double cpuSum = 0;
        for (int i = 0; i < runs; i++) {
            Result r = run(plugins, rom, instructions, record ? checkpointInterval : -1, cpuText);
            best = Math.max(best, r.mips());
            sum += r.mips();
            cpuSum += r.mipsPerCpuSecond();
            System.out.printf(Locale.ROOT, "run %d: %s%n", i + 1, r);
            if (r.tier() != null) {
                System.out.printf(Locale.ROOT, "  jit: %s%n", r.tier().summary());
            }
        }
        System.out.printf(Locale.ROOT, "guest MIPS: mean %.1f, best %.1f (%d instructions per run, %d runs); "
                + "per CPU-second of the process: mean %.1f%n", sum / runs, best, instructions, runs, cpuSum / runs);
        return 0;
    }

    /**
     * One run's throughput: by the wall clock, and per second of CPU time the process used (which
     * stays comparable when other work shares the machine's cores).
     */
    record Result(double mips, double mipsPerCpuSecond, long logBytes, TierStats tier) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.1f MIPS (%.1f per CPU-second)", mips, mipsPerCpuSecond)
                    + (logBytes >= 0 ? ", replay log " + logBytes + " bytes" : "");
        }
    }

    /** Runs the bench guest for exactly {@code n} instructions and returns millions of instructions per second. */
    static Result run(PluginRegistry plugins, byte[] rom, long n) throws InterruptedException, IOException {
        return run(plugins, rom, n, -1, ConfigText.parse("x86"));
    }

    /**
     * Like {@link #run(PluginRegistry, byte[], long)} on the CPU {@code cpuText} names; records to a temporary log when
     * {@code checkpoints} >= 0.
     */
    static Result run(PluginRegistry plugins, byte[] rom, long n, long checkpoints, ConfigText cpuText)
            throws InterruptedException, IOException {
        var spec = MachineSpec.builder().ramSize(16L << 20).firmware(rom).pacing(Pacing.WARP).maxInstructions(n)
                .cpu(cpuText.id(), cpuText.options()).build();
        Path log = checkpoints >= 0 ? Files.createTempFile("tern-bench", ".rr") : null;
        ReplayJournal journal = log == null ? new LiveJournal()
                : new RecordingJournal(new ReplayLogWriter(log, ReplayLogHeader.forMachine(spec, SpiVersion.CURRENT.toString(),
                        List.of("bench"), checkpoints)), checkpoints);
        try (Machine m = Machine.create(plugins, spec, journal)) {
            long t0 = System.nanoTime();
            long cpu0 = processCpuNanos();
            m.start();
            MachineExit exit = m.awaitExit();
            long elapsed = System.nanoTime() - t0;
            long cpu = processCpuNanos() - cpu0;
            if (exit.reason() != MachineExit.Reason.INSTRUCTION_LIMIT) {
                throw new IllegalStateException("the bench guest stopped early: " + exit.detail());
            }
            long logBytes = log == null ? -1 : Files.size(log);
            TierStats tier = m.vcpus().getFirst() instanceof X86Cpu x ? x.tierStats() : null;
            return new Result(n / (elapsed / 1e3), cpu > 0 ? n / (cpu / 1e3) : Double.NaN, logBytes, tier);
        } finally {
            if (log != null) {
                Files.deleteIfExists(log);
            }
        }
    }

    /** CPU time of the whole process (0 when the platform does not report it). */
    static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return Math.max(0, os.getProcessCpuTime());
        }
        return 0;
    }

    static byte[] benchRom() throws IOException {
        try (InputStream in = BenchCommand.class.getResourceAsStream(BENCH_ROM)) {
            if (in == null) {
                throw new IllegalStateException(BENCH_ROM + " is missing from the classpath");
            }
            return in.readAllBytes();
        }
    }
}
