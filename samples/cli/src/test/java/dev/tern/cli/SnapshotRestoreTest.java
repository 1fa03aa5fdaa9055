package dev.tern.cli;

import dev.tern.kernel.state.SavedStateAnalyzer;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A machine snapshotted mid-run and restored in a new JVM continues exactly where it stopped: the
 * serial output before the snapshot plus the output after the restore equals the output of an
 * uninterrupted run, byte for byte.
 */
class SnapshotRestoreTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(300)
    void demoRestoredInANewProcessContinuesByteIdentically() throws Exception {
        Path full = dir.resolve("full.log");
        assertEquals(0, Main.execute("run", "--serial", "file:" + full, "--pacing", "warp"));

        Path before = dir.resolve("before.log");
        Path snapshot = dir.resolve("demo.tern");
        assertEquals(0, Main.execute("run", "--serial", "file:" + before, "--pacing", "warp",
                "--max-instructions", "150000", "--savevm-on-stop", snapshot.toString()));
        assertTrue(Files.size(snapshot) > 0);
        String analysis = SavedStateAnalyzer.analyze(snapshot);
        assertTrue(analysis.contains("x86-cpu") && analysis.contains("uart16550") && analysis.contains("ram"), analysis);

        Path after = dir.resolve("after.log");
        Process p = new ProcessBuilder(javaCommand("run", "--serial", "file:" + after, "--pacing", "warp",
                "--loadvm", snapshot.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.out").toFile()).start();
        int status = p.waitFor();
        assertEquals(0, status, Files.readString(dir.resolve("child.out")));

        String expected = Files.readString(full);
        String first = Files.readString(before);
        assertNotEquals("", first, "nothing was printed before the snapshot");
        assertTrue(first.length() < expected.length(), "the snapshot was taken after the demo finished");
        assertEquals(expected, first + Files.readString(after));
    }

    @Test
    void corruptSnapshotIsRefusedAndNothingRuns() throws Exception {
        Path snapshot = dir.resolve("demo.tern");
        assertEquals(0, Main.execute("run", "--serial", "none", "--pacing", "warp",
                "--max-instructions", "1000", "--savevm-on-stop", snapshot.toString()));
        byte[] b = Files.readAllBytes(snapshot);
        b[b.length / 2] ^= 0x40;
        Files.write(snapshot, b);
        Path out = dir.resolve("out.log");
        assertEquals(2, Main.execute("run", "--serial", "file:" + out, "--pacing", "warp", "--loadvm", snapshot.toString()));
        assertEquals("", Files.exists(out) ? Files.readString(out) : "");
    }

    @Test
    void savevmOnStopDrawsRamProgressAsItWrites() throws Exception {
        Path snapshot = dir.resolve("progress.tern");
        var shown = new ByteArrayOutputStream();
        long[] now = {0};
        RunCommand run = new RunCommand();
        run.progressBars = label -> new ProgressBar(new PrintStream(shown, true, StandardCharsets.UTF_8), label,
                () -> now[0] += 1_000_000_000L, 0);
        new CommandLine(run).execute("--serial", "none", "--pacing", "warp", "--max-instructions", "1000",
                "--savevm-on-stop", snapshot.toString());
        assertTrue(Files.size(snapshot) > 0);
        String bar = shown.toString(StandardCharsets.UTF_8);
        assertTrue(bar.contains("savevm-on-stop  [####################] 100%"), bar);
        assertTrue(bar.contains("savevm-on-stop  ") && bar.contains(" MiB of RAM, "), bar);
        assertFalse(Files.exists(dir.resolve("progress.tern.part")), "the partial file was renamed into place");
    }

    private static List<String> javaCommand(String... args) {
        var cmd = new ArrayList<String>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }
}
