package dev.tern.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The soak with the Debian guest (issue #18; {@code scripts/soak.sh DURATION 5 debian} runs it for
 * hours): booted once, its shell loop writing a counter to {@code /dev/vda} and sending it in a
 * syslog datagram, it hops through three more JVMs with a snapshot saved and restored on the way;
 * every datagram arrives once and in order, and the disk is in step with them after every hop.
 */
class LinuxSoakTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(900)
    void debianHopsThroughFourProcessesWithNothingLostOrRepeated() throws Exception {
        LinuxGuest.assumeGuest();
        var out = new ByteArrayOutputStream();
        var log = new PrintStream(out, true, StandardCharsets.UTF_8);
        var guest = new SoakGuest.Debian(LinuxGuest.guestDir().toAbsolutePath());
        Soak.Result r = new Soak(dir, log, guest).run(Duration.ZERO, 3, 2);
        boolean clean = Soak.report(r, log);
        String text = out.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertTrue(clean, text);
        assertEquals(3, r.hops().size(), text);
        assertTrue(r.hops().stream().anyMatch(Soak.Hop::snapshot), text);
        for (int i = 1; i < r.hops().size(); i++) {
            assertTrue(r.hops().get(i).counter() > r.hops().get(i - 1).counter(), text);
        }
        assertTrue(r.frames() >= 3 * guest.stepsPerHop(), text);
    }
}
