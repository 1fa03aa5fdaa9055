package dev.tern.cli;

import dev.tern.kernel.ft.FtConfig;
import dev.tern.kernel.ft.FtPrimary;
import dev.tern.kernel.machine.Machine;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkpoint pause and guest slowdown by checkpoint interval (docs/benchmarks.md, "Fault
 * tolerance by interval"): for each interval, RUNS runs of a primary in this JVM protected by a
 * child {@code tern run --ft standby}, each measuring the guest's instructions per second over
 * SECONDS once protected (after one second of warm-up), and the checkpoints' median pause; "off"
 * runs the guest unprotected, the baseline of the slowdown. Not a test: run by hand,
 *
 * <pre>scripts/test-main.sh samples/cli dev.tern.cli.FtIntervalBenchmark dirty-64 4M 5 5 off,10ms,25ms,50ms,100ms</pre>
 *
 * GUEST is a test ROM's name ({@code dirty-64}: one dword in each of 64 pages, in a tight loop).
 */
public final class FtIntervalBenchmark {

    private static final Pattern P50 = Pattern.compile("pause percentiles \\(last \\d+\\): p50 ([0-9.]+) ms");
    private static final Pattern COUNT = Pattern.compile("checkpoints: (\\d+) ");

    private FtIntervalBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String guest = args[0];
        String ram = args[1];
        long seconds = Long.parseLong(args[2]);
        int runs = Integer.parseInt(args[3]);
        List<String> intervals = List.of(args[4].split(","));
        Path dir = Files.createTempDirectory("ft-interval-bench");
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "benchmark\n");
        List<String> machine = List.of("--bios", RunMachines.guest(dir, guest + ".rom").toString(), "-m", ram,
                "--serial", "none");
        Map<String, double[]> rates = new LinkedHashMap<>();
        Map<String, double[]> pauses = new LinkedHashMap<>();
        for (String interval : intervals) {
            double[] r = new double[runs];
            double[] p = new double[runs];
            for (int i = 0; i < runs; i++) {
                double[] one = interval.equals("off") ? unprotected(machine, seconds) : protectedRun(machine, pw, interval, seconds);
                r[i] = one[0];
                p[i] = one[1];
                System.out.printf("interval %s run %d: %.1f M instructions/s, pause p50 %.3f ms, %d checkpoints%n",
                        interval, i + 1, one[0] / 1e6, one[1], (long) one[2]);
            }
            rates.put(interval, r);
            pauses.put(interval, p);
        }
        double base = rates.containsKey("off") ? median(rates.get("off")) : Double.NaN;
        System.out.println("| interval | guest M instr/s median (range) | slowdown | pause p50 median (range) |");
        System.out.println("|---|---|---|---|");
        for (String interval : intervals) {
            double[] r = rates.get(interval);
            double[] p = pauses.get(interval);
            System.out.printf("| %s | %.1f (%.1f-%.1f) | %s | %s |%n", interval, median(r) / 1e6, min(r) / 1e6,
                    max(r) / 1e6, interval.equals("off") || Double.isNaN(base) ? "-"
                            : String.format("%.1f %%", 100 * (1 - median(r) / base)),
                    interval.equals("off") ? "-" : String.format("%.3f ms (%.3f-%.3f)", median(p), min(p), max(p)));
        }
    }

    private static double[] unprotected(List<String> machine, long seconds) throws Exception {
        try (Machine m = RunMachines.create(machine)) {
            m.start();
            return measure(m, seconds, null);
        }
    }

    private static double[] protectedRun(List<String> machine, Path pw, String interval, long seconds) throws Exception {
        var standbyArgs = new ArrayList<>(machine);
        standbyArgs.addAll(List.of("--ft", "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none"));
        try (MigrationPeer standby = MigrationPeer.start(standbyArgs.toArray(String[]::new));
             Machine m = RunMachines.create(machine)) {
            String address = standby.awaitLine(Pattern.compile("ft: standby waiting for a primary on (\\S+)")).group(1);
            var config = FtConfig.parse("primary,peer=" + address + ",password-file=" + pw + ",fencing=none,interval=" + interval
                    + ",timeout=5s");
            try (FtPrimary primary = new FtPrimary(m, config, RunMachines.plugins(),
                    new PrintStream(OutputStream.nullOutputStream()))) {
                m.start();
                primary.start();
                standby.awaitLine(Pattern.compile("ft: in sync with primary"));
                return measure(m, seconds, primary);
            }
        }
    }

    /** Instructions per second over {@code seconds} after one second of warm-up; the pause p50; checkpoints. */
    private static double[] measure(Machine m, long seconds, FtPrimary primary) throws Exception {
        TimeUnit.SECONDS.sleep(1); // warm-up: the measured period starts after it
        long i0 = m.vcpus().getFirst().instructionCount();
        long t0 = System.nanoTime();
        TimeUnit.SECONDS.sleep(seconds); // the measured period
        long i1 = m.vcpus().getFirst().instructionCount();
        long t1 = System.nanoTime();
        double rate = (i1 - i0) / ((t1 - t0) / 1e9);
        if (primary == null) {
            return new double[] {rate, 0, 0};
        }
        String text = primary.render();
        Matcher p = P50.matcher(text);
        Matcher c = COUNT.matcher(text);
        if (!p.find() || !c.find() || !text.contains("state: protected")) {
            throw new IllegalStateException("not protected through the run:\n" + text);
        }
        return new double[] {rate, Double.parseDouble(p.group(1)), Long.parseLong(c.group(1))};
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }
}
