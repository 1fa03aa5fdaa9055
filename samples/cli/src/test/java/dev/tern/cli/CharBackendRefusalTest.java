package dev.tern.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A plain run (no fault tolerance) whose serial backend does not take the guest's output: no one
 * else holds that output, so the run ends with status 3 and an error naming the backend's host
 * resource and the OS error, instead of running on with the output lost. The serial-counter guest
 * runs without an instruction limit, so only the refusal can end it.
 */
class CharBackendRefusalTest {

    private static final long KIB = 64;

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void aFullSerialFileEndsAPlainRunNamingTheFileAndTheOsError() throws Exception {
        var counter = new FtCounterGuest(dir);
        Path a = dir.resolve("a.log");
        var args = new ArrayList<>(counter.args(a, 0));
        args.add("--print-digest");
        try (MigrationPeer run = MigrationPeer.withFileSizeLimit(KIB, args.toArray(String[]::new))) {
            Matcher m = run.awaitLine(Pattern.compile("tern: the guest stopped because its output was not taken: output"
                    + " serial0/serial at position (\\d+) was not taken: cannot write serial output file "
                    + Pattern.quote(a.toString()) + " at byte (\\d+): File too large"));
            assertEquals(3, run.awaitExit(), run.output());
            String mine = Files.readString(a, StandardCharsets.US_ASCII);
            // the UART hands bytes one at a time: the refused byte is the first the limit did not allow
            assertEquals(KIB << 10, Long.parseLong(m.group(1)), m.group());
            assertEquals(m.group(1), m.group(2), "a file of its own: stream position and file offset agree");
            assertEquals(KIB << 10, mine.length());
            // the same guest run uninterrupted to where this one stopped: the file is its output up to the refused byte
            String reference = counter.referenceTo(run.awaitDigest("stopped").instructions());
            assertTrue(reference.startsWith(mine), "the file holds output the run never printed");
            assertTrue(reference.length() > mine.length(), "the run stopped before the byte the file refused");
        }
    }

    @Test
    @Timeout(120)
    void aSerialOnStandardOutputWhoseReaderLeftEndsThePlainRun() throws Exception {
        var cmd = new ArrayList<String>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("-XX:-UsePerfData", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run",
                "--bios", RunMachines.guest(dir, "serial-counter.rom").toString(), "-m", "4M", "--serial", "stdio",
                "--pacing", "warp", "--max-instructions", "0"));
        Path err = dir.resolve("stderr");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        try {
            InputStream out = p.getInputStream();
            byte[] first = out.readNBytes(16);
            assertEquals(16, first.length, "the guest's output reaches standard output");
            out.close(); // the reader leaves, as `tern run | head -c 16` does: the next write meets EPIPE
            assertTrue(p.waitFor(100, TimeUnit.SECONDS), "the run did not end");
            String stderr = Files.readString(err);
            assertEquals(3, p.exitValue(), stderr);
            assertTrue(Pattern.compile("tern: the guest stopped because its output was not taken: output serial0/serial"
                    + " at position \\d+ was not taken: cannot write serial output to standard output after byte \\d+:"
                    + " Broken pipe").matcher(stderr).find(), stderr);
        } finally {
            p.destroyForcibly();
        }
    }
}
