package dev.tern.cli;

import dev.tern.kernel.ft.CheckpointFigures;
import dev.tern.kernel.ft.FtConfig;
import dev.tern.kernel.ft.FtPrimary;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.pc.boot.BootImage;
import dev.tern.pc.boot.KernelBoot;
import dev.tern.spi.ConfigType;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tern bench --ft}: checkpoint pauses and bytes per checkpoint of a guest protected by a
 * standby. Each run is a fresh pair — this JVM the primary, a child {@code tern run --ft standby}
 * on loopback the standby — running the 64-page dirtier ({@code dirty-64.rom}: one dword in each
 * of 64 fixed pages, over and over, so every checkpoint carries the same 64 pages); after the full
 * sync the checkpoints of a window of {@code seconds} are measured. Another guest may be a BIOS
 * ROM or a kernel booted directly ({@code --kernel}, e.g. the 64 MiB rewriter, a Multiboot ELF),
 * as {@code tern run} takes them, or the Debian guest ({@link DebianBenchGuest}), whose window
 * starts once its shell prompt appeared and, if given, its workload was typed there.
 */
final class FtBench {

    static final String ROM = "/dev/tern/cli/dirty-64.rom";
    private static final Pattern WAITING = Pattern.compile("ft: standby waiting for a primary on (\\S+)");

    /** One run's window: checkpoints, their bytes, pause percentiles (ns), guest instructions per second. */
    record Run(long checkpoints, double bytesPerCheckpoint, long p50, long p99, long max, double mips) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d checkpoints, %.0f bytes per checkpoint, pause p50 %.3f ms,"
                    + " p99 %.3f ms, max %.3f ms; guest %.1f MIPS", checkpoints, bytesPerCheckpoint, p50 / 1e6,
                    p99 / 1e6, max / 1e6, mips);
        }
    }

    private final PluginRegistry plugins;
    private final Path bios;
    private final Path kernel;
    /** The Debian guest instead of a ROM or a kernel; null otherwise. */
    private final DebianBenchGuest debian;
    private final String ram;
    private final String interval;
    private final String keys;
    private final long seconds;
    private final PrintStream out;

    /**
     * The guest is {@code debian} when given, else {@code kernel} booted directly when given, else
     * the ROM {@code bios}, else (all null) the bundled 64-page dirtier.
     */
    FtBench(PluginRegistry plugins, Path bios, Path kernel, DebianBenchGuest debian, String ram, String interval,
            String keys, long seconds, PrintStream out) {
        if ((bios != null ? 1 : 0) + (kernel != null ? 1 : 0) + (debian != null ? 1 : 0) > 1) {
            throw new IllegalArgumentException("--ft-bios, --ft-kernel and --ft-linux exclude each other");
        }
        if (debian != null) {
            debian.check();
        }
        this.plugins = plugins;
        this.bios = bios;
        this.kernel = kernel;
        this.debian = debian;
        this.ram = ram;
        this.interval = interval;
        // the default heartbeat timeout (4 intervals) is shorter than a busy host's stalls of the
        // child standby: a bench measures checkpoints, not how soon a stall looks like a death
        String all = keys.isEmpty() ? "" : "," + keys;
        this.keys = all.contains(",timeout=") ? all : all + ",timeout=5s";
        this.seconds = seconds;
        this.out = out;
    }

    /** {@code runs} runs, each printed, then the median and range of each figure. */
    void runAll(int runs) throws Exception {
        List<Run> all = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            Run r = run();
            all.add(r);
            out.printf(Locale.ROOT, "run %d: %s%n", i + 1, r);
        }
        out.printf(Locale.ROOT, "FT, %s, RAM %s, interval %s (%s), %d s windows, %d runs (median [min..max]):%n",
                guestName(), ram, interval, keys.substring(1), seconds, runs);
        out.println("  bytes per checkpoint: " + summary(all.stream().mapToDouble(Run::bytesPerCheckpoint).toArray(), 1, "%.0f"));
        out.println("  pause p50 (ms): " + summary(all.stream().mapToDouble(Run::p50).toArray(), 1e6, "%.3f"));
        out.println("  pause p99 (ms): " + summary(all.stream().mapToDouble(Run::p99).toArray(), 1e6, "%.3f"));
        out.println("  pause max (ms): " + summary(all.stream().mapToDouble(Run::max).toArray(), 1e6, "%.3f"));
        out.println("  guest MIPS: " + summary(all.stream().mapToDouble(Run::mips).toArray(), 1, "%.1f"));
    }

    private String guestName() {
        if (debian != null) {
            return debian.describe();
        }
        return kernel != null ? kernel.getFileName().toString() : bios == null ? "64-page dirtier"
                : bios.getFileName().toString();
    }

    /** "median [min..max]" of {@code v} divided by {@code unit}. */
    static String summary(double[] v, double unit, String format) {
        double[] s = v.clone();
        Arrays.sort(s);
        double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        return String.format(Locale.ROOT, format + " [" + format + ".." + format + "]", median / unit, s[0] / unit,
                s[s.length - 1] / unit);
    }

    /** The {@code p}-th percentile (0..100) of {@code sorted}, nearest rank. */
    static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private Run run() throws Exception {
        Path dir = Files.createTempDirectory("tern-ft-bench");
        Path rom = dir.resolve("guest.rom");
        if (kernel == null && debian == null) {
            try (InputStream in = bios != null ? Files.newInputStream(bios) : FtBench.class.getResourceAsStream(ROM)) {
                if (in == null) {
                    throw new IllegalStateException(ROM + " is missing from the classpath");
                }
                Files.write(rom, in.readAllBytes());
            }
        }
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "benchmark\n");
        // the Debian guest's console: the standby's COM1 writes a file, this JVM's is read and typed into (create)
        List<String> machine = debian != null ? debian.machine(ram, "file:" + dir.resolve("standby-console.log"))
                : List.of(kernel != null ? "--kernel" : "--bios", kernel != null ? kernel.toString() : rom.toString(),
                        "-m", ram, "--serial", "none");
        if (interval.equals("off")) {
            try {
                return unprotected(machine, rom);
            } finally {
                deleteAll(dir);
            }
        }
        Process standby = startStandby(machine, pw);
        try {
            String address = awaitAddress(standby);
            try (Machine m = create(machine, rom)) {
                var protectedLine = new CountDownLatch(1);
                var config = FtConfig.parse("primary,peer=" + address + ",password-file=" + pw + ",fencing=none,interval=" + interval
                        + keys);
                try (FtPrimary primary = new FtPrimary(m, config, plugins, watching(protectedLine))) {
                    m.start();
                    primary.start();
                    if (!protectedLine.await(120, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the guest was never protected: " + primary.render());
                    }
                    if (debian != null) {
                        debian.reachWorkload(m);
                    }
                    CheckpointFigures before = primary.figures();
                    long i0 = m.vcpus().getFirst().instructionCount();
                    long t0 = System.nanoTime();
                    TimeUnit.SECONDS.sleep(seconds); // the measured window
                    CheckpointFigures after = primary.figures();
                    double elapsed = (System.nanoTime() - t0) / 1e9;
                    long i1 = m.vcpus().getFirst().instructionCount();
                    return window(before, after, (i1 - i0) / elapsed / 1e6);
                }
            }
        } finally {
            if (!standby.waitFor(30, TimeUnit.SECONDS)) { // released by the primary's close: its guest ended
                standby.destroyForcibly();
                standby.waitFor();
            }
            deleteAll(dir);
        }
    }

    /** The same guest and window without a standby: the baseline of the guest's slowdown under FT. */
    private Run unprotected(List<String> machine, Path rom) throws Exception {
        try (Machine m = create(machine, rom)) {
            m.start();
            if (debian != null) {
                debian.reachWorkload(m); // the boot warmed the code
            } else {
                TimeUnit.SECONDS.sleep(1); // as long as a protected run's full sync takes at least: warm code
            }
            long i0 = m.vcpus().getFirst().instructionCount();
            long t0 = System.nanoTime();
            TimeUnit.SECONDS.sleep(seconds); // the measured window
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long i1 = m.vcpus().getFirst().instructionCount();
            return new Run(0, 0, 0, 0, 0, (i1 - i0) / elapsed / 1e6);
        }
    }

    /**
     * This JVM's machine of {@code tern run <machine>}: the ROM's, or the kernel's boot ROM and the
     * kernel loaded; the Debian guest's console in memory.
     */
    private Machine create(List<String> machine, Path rom) throws IOException {
        var cmd = new RunCommand();
        new CommandLine(cmd).parseArgs(machine.toArray(String[]::new));
        if (cmd.kernel == null) {
            return Machine.create(plugins, cmd.spec(Files.readAllBytes(rom)));
        }
        BootImage image = KernelBoot.prepare(cmd.kernel, cmd.initrd, cmd.append == null ? "" : cmd.append,
                (Long) ConfigType.SIZE.parse(ram));
        var spec = cmd.spec(image.firmware());
        Machine m = Machine.create(plugins, debian != null ? DebianBenchGuest.withMemoryConsole(spec) : spec);
        image.load(m.memory());
        return m;
    }

    private static void deleteAll(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    private static Run window(CheckpointFigures before, CheckpointFigures after, double mips) {
        long n = after.checkpoints() - before.checkpoints();
        if (n <= 0) {
            throw new IllegalStateException("no checkpoint in the window");
        }
        long[] recent = after.recentPauseNanos();
        long[] mine = Arrays.copyOfRange(recent, (int) Math.max(0, recent.length - n), recent.length);
        Arrays.sort(mine);
        return new Run(n, (after.bytesSent() - before.bytesSent()) / (double) n, percentile(mine, 50),
                percentile(mine, 99), mine[mine.length - 1], mips);
    }

    /** The primary's log, dropped, except that the protected line opens {@code latch}. */
    private static PrintStream watching(CountDownLatch latch) {
        return new PrintStream(new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                super.write(b, off, len);
                if (toString(StandardCharsets.UTF_8).contains("ft: protected by standby")) {
                    latch.countDown();
                }
                if (size() > 1 << 16) {
                    reset();
                }
            }
        }, true, StandardCharsets.UTF_8);
    }

    /** A child {@code tern run <machine> --ft standby} on a free loopback port, its stderr merged into stdout. */
    private static Process startStandby(List<String> machine, Path pw) throws IOException {
        var cmd = new ArrayList<String>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "run"));
        cmd.addAll(machine);
        cmd.addAll(List.of("--ft", "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none"));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Reads the standby's output until it names its address (bounded), then drains the rest. */
    private static String awaitAddress(Process standby) throws Exception {
        var reader = new BufferedReader(new InputStreamReader(standby.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> address = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = reader.readLine()) != null; ) {
                    Matcher m = WAITING.matcher(line);
                    if (m.find()) {
                        return m.group(1);
                    }
                }
                throw new IllegalStateException("the standby ended before it listened");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String a = address.get(60, TimeUnit.SECONDS);
        Thread.ofPlatform().daemon().name("ft-bench-standby-output").start(() -> {
            try {
                reader.transferTo(java.io.Writer.nullWriter());
            } catch (IOException ignored) {
                // the standby ended
            }
        });
        return a;
    }
}
