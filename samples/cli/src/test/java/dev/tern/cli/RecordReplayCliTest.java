package dev.tern.cli;

import dev.tern.kernel.replay.ReplayLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tern run --record/--replay} and {@code tern analyze} as a user runs them. */
@Isolated("replaces System.out and System.err to read what the commands print")
class RecordReplayCliTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void demoRecordedWithRealtimePacingReplaysToTheSameOutput() throws Exception {
        Path rr = dir.resolve("run.rr");
        Path a = dir.resolve("rec.log");
        Path b = dir.resolve("rep.log");
        var rec = cli("run", "--serial", "file:" + a, "--pacing", "realtime", "--record", rr.toString());
        assertEquals(0, rec.status(), rec.err());
        assertTrue(rec.err().contains("recorded 0 inputs"), rec.err());
        var rep = cli("run", "--serial", "file:" + b, "--replay", rr.toString());
        assertEquals(0, rep.status(), rep.err());
        assertEquals(Files.readString(a), Files.readString(b));
        String finalLine = rec.err().substring(rec.err().indexOf("final instruction count"));
        assertTrue(rep.err().contains(finalLine.strip()), rec.err() + "\n" + rep.err());
        var analysis = cli("analyze", rr.toString());
        assertEquals(0, analysis.status(), analysis.err());
        assertTrue(analysis.out().contains("Tern replay log, format version 5"), analysis.out());
        assertTrue(analysis.out().contains("boot arguments: run --serial file:" + a), analysis.out());
        assertTrue(analysis.out().contains("POWER_OFF"), analysis.out());
    }

    @Test
    @Timeout(120)
    void replayOnAnotherMachineIsRefusedBeforeItRuns() throws Exception {
        Path rr = dir.resolve("run.rr");
        assertEquals(0, cli("run", "--serial", "none", "--pacing", "warp", "--record", rr.toString()).status());
        var rep = cli("run", "--serial", "none", "-m", "64M", "--replay", rr.toString());
        assertEquals(2, rep.status(), rep.err());
        assertTrue(rep.err().contains("recorded on another machine configuration"), rep.err());
    }

    /** A real recording process killed with SIGKILL: its log replays up to its last complete block. */
    @Test
    @Timeout(120)
    void aRecordingKilledWithSigkillReplaysToItsLastBlock() throws Exception {
        Path rom = dir.resolve("dirty-writer.rom");
        try (InputStream in = getClass().getResourceAsStream("/guests/dirty-writer.rom")) {
            assertNotNull(in);
            Files.write(rom, in.readAllBytes());
        }
        Path rr = dir.resolve("killed.rr");
        var cmd = new ArrayList<String>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--bios", rom.toString(),
                "--serial", "none", "--record", rr.toString(), "--checkpoint-interval", "100000"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        try (var watch = FileSystems.getDefault().newWatchService()) {
            dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            // every checkpoint writes a block: wait (on file events) until several are in the file
            while (!Files.exists(rr) || Files.size(rr) < 4_000) {
                assertTrue(p.isAlive(), Files.exists(dir.resolve("child.log")) ? Files.readString(dir.resolve("child.log")) : "");
                var key = watch.poll(60, TimeUnit.SECONDS);
                assertNotNull(key, "the recording wrote no checkpoint within 60 s");
                key.pollEvents();
                key.reset();
            }
        }
        p.destroyForcibly();
        p.waitFor();
        var log = ReplayLogReader.read(rr);
        assertTrue(log.end().isEmpty(), "a killed recording has no end marker");
        long last = log.entries().getLast().instructions();
        var rep = cli("run", "--bios", rom.toString(), "--serial", "none", "--replay", rr.toString());
        assertEquals(0, rep.status(), rep.err());
        assertTrue(rep.err().contains("replayed to the end of the recording at instruction " + last + " (the recording has no end marker"),
                rep.err());
        assertTrue(rep.err().contains("checkpoints matched"), rep.err());
    }

    record Result(int status, String out, String err) { }

    static Result cli(String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        int status;
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
        try {
            status = Main.execute(args);
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
        return new Result(status, out.toString(), err.toString());
    }
}
