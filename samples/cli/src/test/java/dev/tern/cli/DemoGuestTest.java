package dev.tern.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tern run} with no boot option runs the built-in demo guest to completion. */
@Isolated("replaces System.err to read what the run prints")
class DemoGuestTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void demoPrintsBannerAndExitsSuccessfully() throws Exception {
        Path serial = dir.resolve("serial.log");
        int status = Main.execute("run", "--serial", "file:" + serial, "--pacing", "warp");
        String out = Files.readString(serial);
        assertEquals(0, status, "exit status; serial output was:\n" + out);
        assertTrue(out.contains("Tern demo guest"), out);
    }

    @Test
    @Timeout(120)
    void sameInstructionBudgetGivesIdenticalOutput() throws Exception {
        Path a = dir.resolve("a.log");
        Path b = dir.resolve("b.log");
        Main.execute("run", "--serial", "file:" + a, "--pacing", "warp", "--max-instructions", "300000");
        Main.execute("run", "--serial", "file:" + b, "--pacing", "warp", "--max-instructions", "300000");
        String first = Files.readString(a);
        assertTrue(!first.isEmpty(), "the demo printed nothing in 300000 instructions");
        assertEquals(first, Files.readString(b));
    }

    @Test
    void unknownDeviceKeyIsRefusedWithItsName() throws Exception {
        var err = new java.io.ByteArrayOutputStream();
        var saved = System.err;
        int status;
        System.setErr(new java.io.PrintStream(err, true));
        try {
            status = Main.execute("run", "--serial", "none", "--device", "port80,colour=blue");
        } finally {
            System.setErr(saved);
        }
        assertEquals(2, status);
        assertTrue(err.toString().contains("colour"), err.toString());
    }
}
