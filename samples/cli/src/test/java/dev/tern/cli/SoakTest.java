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
 * The short soak CI runs (issue #18; scripts/soak.sh runs it for hours): the net-blk-counter guest
 * hops through six JVMs, with a snapshot saved and restored on the way, and every frame it sends
 * arrives once and in order, its disk in step with its frames.
 */
class SoakTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(300)
    void theGuestHopsThroughSixProcessesWithNothingLostOrRepeated() throws Exception {
        var out = new ByteArrayOutputStream();
        var log = new PrintStream(out, true, StandardCharsets.UTF_8);
        Soak.Result r = new Soak(dir, log, new SoakGuest.NetBlkCounter()).run(Duration.ZERO, 5, 3);
        boolean clean = Soak.report(r, log);
        String text = out.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertTrue(clean, text);
        assertEquals(5, r.hops().size(), text);
        assertTrue(r.hops().stream().anyMatch(Soak.Hop::snapshot), text);
        // every hop moved the guest on: its counter grew from process to process
        for (int i = 1; i < r.hops().size(); i++) {
            assertTrue(r.hops().get(i).counter() > r.hops().get(i - 1).counter(), text);
        }
        assertTrue(r.frames() >= 5 * new SoakGuest.NetBlkCounter().stepsPerHop(), text);
    }

    @Test
    void durationsAreParsed() {
        assertEquals(Duration.ofMinutes(2), Soak.parseDuration("2m"));
        assertEquals(Duration.ofHours(3), Soak.parseDuration("3h"));
        assertEquals(Duration.ofSeconds(90), Soak.parseDuration("90s"));
    }
}
