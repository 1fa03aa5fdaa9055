package dev.tern.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A {@code tern run ... --gdb tcp:127.0.0.1:0} child JVM and Debian's gdb run against it in batch
 * mode: real processes on a real socket.
 */
final class DebuggedTern implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("waiting for gdb on (\\S+)");

    private final Process process;
    private final StringBuffer err = new StringBuffer();
    private final CompletableFuture<String> where = new CompletableFuture<>();
    private final Thread errReader;

    private DebuggedTern(Process process) {
        this.process = process;
        this.errReader = Thread.ofPlatform().daemon().name("tern-child-stderr").start(this::readErr);
    }

    /** Starts {@code tern run ARGS --gdb tcp:127.0.0.1:0}. */
    static DebuggedTern start(String... args) throws IOException {
        return startOn("tcp:127.0.0.1:0", args);
    }

    /** Starts {@code tern run ARGS --gdb WHERE}. */
    static DebuggedTern startOn(String gdbWhere, String... args) throws IOException {
        var cmd = new ArrayList<String>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "run"));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--gdb", gdbWhere));
        return new DebuggedTern(new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
    }

    private void readErr() {
        try (var r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                err.append(line).append('\n');
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    where.complete(m.group(1));
                }
            }
        } catch (IOException e) {
            where.completeExceptionally(e);
        }
        where.completeExceptionally(new IllegalStateException("tern ended without serving gdb:\n" + err));
    }

    /** Where the stub listens ({@code tcp:HOST:PORT} or {@code unix:PATH}), once it does. */
    String where() throws Exception {
        return where.get(60, TimeUnit.SECONDS);
    }

    /** The TCP port the stub listens on, once it does. */
    int port() throws Exception {
        String w = where();
        return Integer.parseInt(w.substring(w.lastIndexOf(':') + 1));
    }

    String err() {
        return err.toString();
    }

    /** Waits for the child to end (after gdb killed or detached from it); its exit status. */
    int awaitExit() throws InterruptedException {
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "tern did not end:\n" + err);
        errReader.join(); // the pipe ends with the process: all of stderr is in err()
        return process.exitValue();
    }

    /** Runs gdb in batch mode connected to this stub with {@code commands} (-ex each); returns its output. */
    String gdb(String... commands) throws Exception {
        var cmd = new ArrayList<>(List.of(gdbPath().toString(), "-batch", "-nx", "-ex", "set architecture i386",
                "-ex", "set pagination off", "-ex", "target remote 127.0.0.1:" + port()));
        for (String c : commands) {
            cmd.add("-ex");
            cmd.add(c);
        }
        Process g = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(g.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(g.waitFor(120, TimeUnit.SECONDS), "gdb did not end:\n" + out);
        return out;
    }

    /**
     * Like {@link #gdb}, and presses Ctrl-C in gdb (SIGINT, which gdb forwards to the stub as its
     * interrupt) once gdb's remote debug output on stderr shows a line containing {@code trigger} —
     * e.g. the packet of a command gdb is now waiting on. Returns gdb's stdout then its stderr.
     */
    String gdbInterruptingAt(String trigger, String... commands) throws Exception {
        var cmd = new ArrayList<>(List.of(gdbPath().toString(), "-batch", "-nx", "-ex", "set architecture i386",
                "-ex", "set pagination off", "-ex", "target remote 127.0.0.1:" + port()));
        for (String c : commands) {
            cmd.add("-ex");
            cmd.add(c);
        }
        Process g = new ProcessBuilder(cmd).start();
        var out = new java.util.concurrent.CompletableFuture<String>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                out.complete(new String(g.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.completeExceptionally(e);
            }
        });
        var errText = new StringBuilder();
        boolean sent = false;
        try (var r = new BufferedReader(new InputStreamReader(g.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                errText.append(line).append('\n');
                if (!sent && line.contains(trigger)) {
                    sent = true;
                    Process kill = new ProcessBuilder("kill", "-INT", Long.toString(g.pid())).inheritIO().start();
                    assertTrue(kill.waitFor(30, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -INT gdb failed");
                }
            }
        }
        assertTrue(g.waitFor(120, TimeUnit.SECONDS), "gdb did not end:\n" + errText);
        assertTrue(sent, "gdb never printed '" + trigger + "':\n" + errText);
        return out.get(60, TimeUnit.SECONDS) + errText;
    }

    /**
     * Debian's gdb ({@code apt-get install gdb}; .ci/run installs it). Outside CI a machine without
     * it skips the gdb tests; on CI its absence is a failure.
     */
    static Path gdbPath() {
        Path p = Path.of("/usr/bin/gdb");
        if (System.getenv("CI") != null) {
            assertTrue(Files.isExecutable(p), "CI must have gdb installed (.ci/run installs it)");
        } else {
            assumeTrue(Files.isExecutable(p), "gdb is not installed (apt-get install gdb)");
        }
        return p;
    }

    /** The value gdb printed for {@code printf "NAME=%x\n", ...} lines (the last such line). */
    static long value(String out, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "=([0-9a-f]+)$").matcher(out);
        long v = -1;
        boolean found = false;
        while (m.find()) {
            v = Long.parseUnsignedLong(m.group(1), 16);
            found = true;
        }
        assertTrue(found, "gdb printed no " + name + "=:\n" + out);
        return v;
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
