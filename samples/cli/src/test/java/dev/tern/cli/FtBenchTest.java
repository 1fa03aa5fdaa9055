package dev.tern.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tern bench --ft} runs a real pair (this JVM the primary, a child JVM the standby) and
 * reports the window's checkpoints: every checkpoint of the 64-page dirtier carries its 64 pages,
 * so the bytes per checkpoint are at least 64 page records (XBZRLE deltas of one changed dword
 * each are small, but never nothing) and at most 64 whole pages plus the device sections.
 */
class FtBenchTest {

    @Test
    @Timeout(300)
    void benchFtReportsBytesPerCheckpointAndPausePercentiles() throws Exception {
        var bytes = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = Main.execute(new String[] {"bench", "--ft", "--runs", "2", "--ft-seconds", "1"});
        } finally {
            System.setOut(saved);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        Matcher run = Pattern.compile("run 1: (\\d+) checkpoints, (\\d+) bytes per checkpoint, pause p50 ([0-9.]+) ms")
                .matcher(out);
        assertTrue(run.find(), out);
        assertTrue(Long.parseLong(run.group(1)) >= 2, out);
        long perCheckpoint = Long.parseLong(run.group(2));
        assertTrue(perCheckpoint > 64 * 4 && perCheckpoint < 64 * 4106 + (1 << 20), out);
        assertTrue(out.contains("pause p99 (ms): ") && out.contains("bytes per checkpoint: "), out);
    }
}
