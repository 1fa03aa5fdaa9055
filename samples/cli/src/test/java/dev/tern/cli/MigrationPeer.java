package dev.tern.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/** A {@code tern run} in its own JVM, its stderr collected line by line for the test to wait on. */
final class MigrationPeer implements AutoCloseable {

    private static final Pattern ADDRESS = Pattern.compile("waiting for an incoming migration on (\\S+)");
    private static final Pattern DIGEST = Pattern.compile(
            "tern: (.+): instructions=(\\d+) ram-sha256=([0-9a-f]{64}) state-sha256=([0-9a-f]{64})");

    /** What a {@code --print-digest} line says. */
    record Digest(long instructions, String ram, String state) { }

    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Object changed = new Object();
    private volatile boolean ended;

    private MigrationPeer(Process process) {
        this.process = process;
        Thread.ofPlatform().daemon().start(this::collect);
    }

    static MigrationPeer start(String... runArgs) throws IOException {
        return start(List.of(), runArgs);
    }

    /** A peer whose JVM also gets {@code jvmArgs} (test hooks as system properties). */
    static MigrationPeer start(List<String> jvmArgs, String... runArgs) throws IOException {
        var all = new ArrayList<String>();
        all.add("run");
        all.addAll(List.of(runArgs));
        return tern(jvmArgs, all.toArray(String[]::new));
    }

    /**
     * {@code tern run runArgs} with {@code file} open for reading on its descriptor 3, as a shell or
     * a management tool hands a stream over ({@code --incoming fd:3}).
     */
    static MigrationPeer startWithFd3(java.nio.file.Path file, String... runArgs) throws IOException {
        var cmd = new ArrayList<String>(List.of("sh", "-c", "exec 3<\"$0\" && exec \"$@\"", file.toString()));
        cmd.addAll(javaCommand(List.of()));
        cmd.add("run");
        cmd.addAll(List.of(runArgs));
        return new MigrationPeer(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    /**
     * {@code tern run runArgs} allowed to write files of at most {@code kib} KiB (RLIMIT_FSIZE, as
     * {@code ulimit -f} sets it): a larger write fails with EFBIG, as on a full disk. The JVM keeps
     * no performance-data file, which the limit would refuse.
     */
    static MigrationPeer withFileSizeLimit(long kib, String... runArgs) throws IOException {
        // sh counts ulimit -f in 512-byte blocks (dash, and bash in its POSIX mode), not in KiB
        var cmd = new ArrayList<String>(List.of("sh", "-c", "ulimit -f \"$0\" && exec \"$@\"", Long.toString(kib * 2)));
        cmd.addAll(javaCommand(List.of("-XX:-UsePerfData")));
        cmd.add("run");
        cmd.addAll(List.of(runArgs));
        return new MigrationPeer(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    /** Any {@code tern} command ({@code args[0]} names it) in a JVM of its own. */
    static MigrationPeer tern(List<String> jvmArgs, String... args) throws IOException {
        var cmd = javaCommand(jvmArgs);
        cmd.addAll(List.of(args));
        return new MigrationPeer(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    private static List<String> javaCommand(List<String> jvmArgs) {
        var cmd = new ArrayList<String>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xss8m"); // as the tests' own JVM: the Linux guest needs the deeper interpreter stack
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        return cmd;
    }

    private void collect() {
        try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
                synchronized (changed) {
                    changed.notifyAll();
                }
            }
        } catch (IOException ignored) {
            // the process ended
        } finally {
            ended = true;
            synchronized (changed) {
                changed.notifyAll();
            }
        }
    }

    /** The listening address the peer announced. */
    String awaitAddress() throws InterruptedException {
        return await(ADDRESS).group(1);
    }

    /** The digest line whose label is {@code when}. */
    Digest awaitDigest(String when) throws InterruptedException {
        Matcher m = await(Pattern.compile(Pattern.quote("tern: " + when + ": ") + ".*"));
        Matcher d = DIGEST.matcher(m.group());
        if (!d.matches()) {
            fail("not a digest line: " + m.group());
        }
        return new Digest(Long.parseLong(d.group(2)), d.group(3), d.group(4));
    }

    /** The first line matching {@code p}, waiting for it (bounded). */
    Matcher awaitLine(Pattern p) throws InterruptedException {
        return await(p);
    }

    /** Waits until {@code n} lines match {@code p} (bounded); all of them, in order. */
    List<String> awaitLines(Pattern p, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        synchronized (changed) {
            while (true) {
                List<String> found = lines.stream().filter(l -> p.matcher(l).find()).toList();
                if (found.size() >= n) {
                    return found;
                }
                long left = deadline - System.nanoTime();
                if (ended || left <= 0) {
                    fail(n + " lines /" + p + "/ expected, " + found.size() + " printed; output:\n" + output());
                }
                changed.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
            }
        }
    }

    /** The process, for its pid. */
    Process process() {
        return process;
    }

    private Matcher await(Pattern p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        synchronized (changed) {
            while (true) {
                for (String l : lines) {
                    Matcher m = p.matcher(l);
                    if (m.find()) {
                        return m;
                    }
                }
                long left = deadline - System.nanoTime();
                if (ended || left <= 0) {
                    fail("the peer never printed /" + p + "/; output:\n" + output());
                }
                changed.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
            }
        }
    }

    /** Waits for the exit status. */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("the peer did not exit; output:\n" + output());
        }
        return process.waitFor();
    }

    /** Kills the process at once (SIGKILL) and waits for it to be gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    String output() {
        return String.join("\n", lines);
    }

    /** Kills the peer if it still runs; an interrupt during the wait is kept for the caller. */
    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
