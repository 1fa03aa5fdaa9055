package dev.tern.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Isolated;

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
@Isolated("replaces System.out to read the bench report")
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

    /**
     * {@code --ft-kernel}: the 64 MiB rewriter booted directly (a Multiboot ELF) re-dirties its
     * 16384 pages, each by one byte, a pass every few tens of milliseconds: a checkpoint 100 ms
     * apart carries thousands of pages — more than 16 whole pages even as XBZRLE deltas of a dozen
     * bytes — and stays well under the 64 MiB they would take whole.
     */
    @Test
    @Timeout(300)
    void benchFtBootsAKernelDirectly() throws Exception {
        var bytes = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = Main.execute(new String[] {"bench", "--ft", "--runs", "1", "--ft-seconds", "1", "--ft-kernel",
                    "guests/rewrite-64m.elf", "--ft-ram", "96M", "--ft-interval", "100ms"});
        } finally {
            System.setOut(saved);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        Matcher run = Pattern.compile("run 1: (\\d+) checkpoints, (\\d+) bytes per checkpoint").matcher(out);
        assertTrue(run.find(), out);
        long perCheckpoint = Long.parseLong(run.group(2));
        assertTrue(perCheckpoint > 16 * 4106 && perCheckpoint < 64L << 20, out);
        assertTrue(out.contains("FT, rewrite-64m.elf, RAM 96M"), out);
    }

    /**
     * {@code --ft-linux}: the Debian guest boots under checkpoints, the bench types the workload at
     * its shell prompt ({@link #SHELL_LOOP}, 2 MiB of a changing byte written to a tmpfs file, over
     * and over) and waits for the marker the shell prints before it: the window's checkpoints then
     * carry pages (more than the 4 KiB of one) and the summary names the guest and the workload.
     */
    @Test
    @Timeout(600)
    void benchFtBootsTheDebianGuestAndTypesTheWorkloadAtItsPrompt() throws Exception {
        LinuxGuest.assumeGuest();
        var bytes = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        int status;
        long t0 = System.nanoTime();
        try {
            status = Main.execute(new String[] {"bench", "--ft", "--runs", "1", "--ft-seconds", "1", "--ft-linux",
                    LinuxGuest.guestDir().toString(), "--ft-workload", SHELL_LOOP});
        } finally {
            System.setOut(saved);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        Matcher run = Pattern.compile("run 1: (\\d+) checkpoints, (\\d+) bytes per checkpoint").matcher(out);
        assertTrue(run.find(), out);
        assertTrue(Long.parseLong(run.group(1)) >= 1, out);
        assertTrue(Long.parseLong(run.group(2)) > 4096, out);
        assertTrue(out.contains("FT, Debian guest (" + LinuxGuest.guestDir() + "), running '" + SHELL_LOOP + "', RAM 128M"),
                out);
        System.out.printf("FtBenchTest, Debian: %.1f s%n%s", (System.nanoTime() - t0) / 1e9, out);
    }

    /** The memory-writing shell loop of docs/benchmarks.md's Debian rows. */
    static final String SHELL_LOOP = "i=0; while :; do i=$((i%7+1)); head -c 2097152 /dev/zero | tr '\\000' \"\\00$i\""
            + " > /tmp/w; done";

    /**
     * {@code tern bench --ft-failover}: a frozen primary (SIGSTOP) is noticed only once the
     * standby's timeout (4 x 50 ms) passed since it was last heard; a killed one when its connection
     * closes. Both standbies report running the guest, on their own clock.
     */
    @Test
    @Timeout(300)
    void benchFtFailoverReportsTheStandbysFailoverTime() throws Exception {
        var bytes = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = Main.execute(new String[] {"bench", "--ft-failover", "--runs", "1"});
        } finally {
            System.setOut(saved);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        Pattern line = Pattern.compile("run 1, (STOP|KILL): guest running ([0-9.]+) ms after the primary was last heard"
                + " \\(detection ([0-9.]+) ms, take-over ([0-9.]+) ms\\)");
        Matcher m = line.matcher(out);
        assertTrue(m.find() && m.group(1).equals("STOP"), out);
        double detection = Double.parseDouble(m.group(3));
        assertTrue(detection >= 200, "a silent primary was taken for lost after " + detection + " ms, before the timeout:\n"
                + out);
        assertTrue(Double.parseDouble(m.group(2)) >= detection, out);
        assertTrue(m.find() && m.group(1).equals("KILL"), out);
        System.out.print(out);
    }
}
