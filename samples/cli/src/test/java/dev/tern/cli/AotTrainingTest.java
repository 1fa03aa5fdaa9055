package dev.tern.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Isolated;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher's ahead-of-time cache is only as good as the run it was trained on: {@code tern
 * aot-training} must really complete its migrations (each codec path) and its snapshot round trip,
 * and say so; a step that fails makes it fail, so the launcher runs without a cache rather than
 * with one trained on an error path.
 */
@Isolated("replaces System.out to read what the training prints")
class AotTrainingTest {

    @Test
    @Timeout(120)
    void theTrainingRunCompletesEveryMigrationAndTheSnapshotRoundTrip() {
        var bytes = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = Main.execute("aot-training");
        } finally {
            System.setOut(saved);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        assertTrue(out.contains("aot-training: migration (plain) completed in "), out);
        assertTrue(out.contains("aot-training: migration [xbzrle, compression=lz4] completed in "), out);
        assertTrue(out.contains("aot-training: snapshot saved and loaded"), out);
    }

    @Test
    void theTrainingCommandIsHiddenFromHelp() {
        var bytes = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            Main.execute("--help");
        } finally {
            System.setOut(saved);
        }
        String help = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("run") && !help.contains("aot-training"), help);
    }
}
