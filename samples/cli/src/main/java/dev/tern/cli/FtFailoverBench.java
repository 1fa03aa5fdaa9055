package dev.tern.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tern bench --ft-failover}: how long a standby takes to run the guest once the primary is
 * gone. Each run is a fresh pair of child processes, {@code tern run --ft primary} and {@code tern
 * run --ft standby} on loopback tcp, running the 64-page dirtier, the standby's heartbeat timeout
 * the default's value (4 intervals); once protected and warmed up, the primary is either frozen ({@code SIGSTOP}: its
 * heartbeats stop and its connection stays open, the case the heartbeat timeout exists for) or
 * killed ({@code SIGKILL}: the connection breaks). The figure is the standby's own: from the last
 * message it heard from the primary to its guest running ({@code ft: failover: ...}).
 */
final class FtFailoverBench {

    private static final Pattern WAITING = Pattern.compile("ft: standby waiting for a primary on (\\S+)");
    private static final Pattern FAILOVER = Pattern.compile(
            "ft: failover: guest running ([0-9.]+) ms after the primary was last heard \\(loss noticed after ([0-9.]+) ms,"
                    + " taken over ([0-9.]+) ms later\\)");
    private static final long WAIT_SECONDS = 120;

    /** How the primary is lost. */
    enum Loss {
        /** SIGSTOP: silent, connection open: only the heartbeat timeout notices. */
        STOP,
        /** SIGKILL: the operating system closes the connection. */
        KILL
    }

    /** One failover, in ms on the standby's clock: last heard to running, its detection part and its take-over part. */
    record Run(double total, double detection, double takeover) {
    }

    private final String interval;
    private final String ram;
    private final long warmupSeconds;
    private final PrintStream out;

    FtFailoverBench(String interval, String ram, long warmupSeconds, PrintStream out) {
        this.interval = interval;
        this.ram = ram;
        this.warmupSeconds = warmupSeconds;
        this.out = out;
    }

    /** {@code runs} failovers of each kind, alternating, each printed, then the median and range. */
    void runAll(int runs) throws Exception {
        List<Run> stopped = new ArrayList<>();
        List<Run> killed = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            for (Loss loss : Loss.values()) {
                Run r = runCountingEarlyLosses(loss);
                (loss == Loss.STOP ? stopped : killed).add(r);
                out.printf(Locale.ROOT, "run %d, %s: guest running %.1f ms after the primary was last heard"
                        + " (detection %.1f ms, take-over %.1f ms)%n", i + 1, loss, r.total(), r.detection(), r.takeover());
            }
        }
        out.printf(Locale.ROOT, "FT failover, 64-page dirtier, RAM %s, interval %s, standby timeout 4 intervals, %d runs"
                + " (median [min..max], ms); %d pairs failed over early and were run again:%n", ram, interval, runs,
                earlyLosses);
        for (Loss loss : Loss.values()) {
            List<Run> all = loss == Loss.STOP ? stopped : killed;
            out.printf(Locale.ROOT, "  %s: last heard -> running %s; detection %s; take-over %s%n", loss,
                    FtBench.summary(all.stream().mapToDouble(Run::total).toArray(), 1, "%.1f"),
                    FtBench.summary(all.stream().mapToDouble(Run::detection).toArray(), 1, "%.1f"),
                    FtBench.summary(all.stream().mapToDouble(Run::takeover).toArray(), 1, "%.1f"));
        }
    }

    /** Pairs where the standby took over before the signal: the host stalled the primary past the timeout. */
    private int earlyLosses;

    /** A run; a pair that failed over before the signal is counted, reported, and run again (at most 3 times). */
    private Run runCountingEarlyLosses(Loss loss) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return run(loss);
            } catch (EarlyLoss e) {
                earlyLosses++;
                out.println("a pair failed over before the primary was signalled (" + e.getMessage() + "); again");
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    /** The standby took over before the primary was stopped or killed. */
    private static final class EarlyLoss extends IllegalStateException {
        EarlyLoss(String line) {
            super(line);
        }
    }

    private Run run(Loss loss) throws Exception {
        Path dir = Files.createTempDirectory("tern-ft-failover");
        Path rom = dir.resolve("guest.rom");
        try (InputStream in = FtBench.class.getResourceAsStream(FtBench.ROM)) {
            if (in == null) {
                throw new IllegalStateException(FtBench.ROM + " is missing from the classpath");
            }
            Files.write(rom, in.readAllBytes());
        }
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "benchmark\n");
        List<String> machine = List.of("--bios", rom.toString(), "-m", ram, "--serial", "none");
        // the standby's own timeout is the one that notices a silent primary: the default's value, 4 intervals;
        // the primary's is long enough that a busy host's stalls of the standby do not end protection first
        Child standby = Child.start(machine, "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",fencing=none,timeout="
                + 4 * millis(interval) + "ms");
        Child primary = null;
        try {
            String address = standby.await(WAITING).group(1);
            primary = Child.start(machine, "primary,peer=" + address + ",password-file=" + pw + ",fencing=none,interval=" + interval
                    + ",timeout=5s");
            primary.await(Pattern.compile("ft: protected by standby"));
            TimeUnit.SECONDS.sleep(warmupSeconds); // checkpoints under way, code warm: the measured state
            standby.refuse(Pattern.compile("ft: primary lost")); // a loss before the signal is the host's, not ours
            signal(primary.process, loss == Loss.STOP ? "STOP" : "KILL");
            Matcher m = standby.await(FAILOVER);
            return new Run(Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)));
        } finally {
            if (primary != null) {
                primary.end();
            }
            standby.end();
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /** {@code 50ms} or {@code 1s} in milliseconds. */
    static long millis(String duration) {
        if (duration.endsWith("ms")) {
            return Long.parseLong(duration.substring(0, duration.length() - 2));
        }
        if (duration.endsWith("s")) {
            return Long.parseLong(duration.substring(0, duration.length() - 1)) * 1000;
        }
        throw new IllegalArgumentException("--ft-interval: '" + duration + "' is not a duration such as 50ms or 1s");
    }

    /** Sends {@code signal} to {@code p} (Java has no SIGSTOP of its own). */
    private static void signal(Process p, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + signal + " " + p.pid() + " failed");
        }
    }

    /** A child {@code tern run <machine> --ft <ft>}, its merged output read line by line into a queue. */
    private record Child(Process process, LinkedBlockingQueue<String> lines, StringBuilder seen) {

        static Child start(List<String> machine, String ft) throws IOException {
            var cmd = new ArrayList<String>();
            cmd.add(ProcessHandle.current().info().command().orElse("java"));
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "run"));
            cmd.addAll(machine);
            cmd.addAll(List.of("--ft", ft));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            var lines = new LinkedBlockingQueue<String>();
            CompletableFuture.runAsync(() -> {
                try (var r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // the child ended
                }
            }, r -> Thread.ofPlatform().daemon().name("ft-failover-bench-output").start(r));
            return new Child(p, lines, new StringBuilder());
        }

        /** The first line matching {@code wanted} (bounded); a primary lost too early fails the run. */
        Matcher await(Pattern wanted) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
                if (line == null) {
                    throw new IllegalStateException("no line matching '" + wanted + "' within " + WAIT_SECONDS
                            + " s; output:\n" + seen);
                }
                seen.append(line).append('\n');
                Matcher m = wanted.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
        }

        /** Fails when a line read so far matches {@code unwanted}. */
        void refuse(Pattern unwanted) {
            for (String line; (line = lines.poll()) != null; ) {
                seen.append(line).append('\n');
                if (unwanted.matcher(line).find()) {
                    throw new EarlyLoss(line);
                }
            }
        }

        void end() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor();
        }
    }
}
