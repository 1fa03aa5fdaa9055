package dev.tern.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A monitor {@code quit} sent to a standby while it takes over: the takeover finishes (the output
 * the primary had not reported released is delivered), the guest does not run there, and the
 * process ends with status 0. The window is made long and known: the primary is stalled (SIGSTOP),
 * so the standby, fenced by a lease file, must wait a whole lease period for the lease after it
 * says it asks for it — the quit is sent once it said so, inside that wait.
 */
class FtQuitDuringTakeoverTest {

    private static final Pattern WAITING = Pattern.compile("ft: standby waiting for a primary on (\\S+)");

    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void aQuitWhileTheStandbyTakesOverEndsItCleanlyWithTheHeldOutputDelivered() throws Exception {
        var counter = new FtCounterGuest(dir);
        Path pw = counter.password();
        Path lease = dir.resolve("ft.lease");
        Path a = dir.resolve("a.log");
        Path b = dir.resolve("b.log");
        var standbyArgs = new ArrayList<>(counter.args(b, 0));
        standbyArgs.addAll(List.of("--monitor", "stdio", "--print-digest", "--ft",
                "standby,listen=tcp:127.0.0.1:0,password-file=" + pw + ",lease=file:" + lease));
        long checkpointAt;
        try (MigrationPeer standby = MigrationPeer.start(standbyArgs.toArray(String[]::new))) {
            String address = standby.awaitLine(WAITING).group(1);
            var primaryArgs = new ArrayList<>(counter.args(a, 0));
            // a 5 s lease: the quit below is read well within it, even on a loaded host
            primaryArgs.addAll(List.of("--ft", "primary,peer=" + address + ",password-file=" + pw
                    + ",interval=20ms,timeout=5s,lease=file:" + lease));
            try (MigrationPeer primary = MigrationPeer.start(primaryArgs.toArray(String[]::new))) {
                primary.awaitLine(Pattern.compile("ft: protected by standby"));
                FtFencingTest.signal("STOP", primary);
                Matcher asking = standby.awaitLine(Pattern.compile("ft: asking the lease file " + Pattern.quote(lease.toString())
                        + " for the lease before running the guest from checkpoint (\\d+)"));
                new PrintStream(standby.process().getOutputStream(), true, StandardCharsets.UTF_8).println("quit");
                standby.awaitLine(Pattern.compile("ft: quit during the takeover: the output held at checkpoint "
                        + asking.group(1) + " is delivered; the guest does not run here"));
                checkpointAt = standby.awaitDigest("ft standby at checkpoint " + asking.group(1)).instructions();
                assertEquals(0, standby.awaitExit(), standby.output());
                assertFalse(standby.output().contains("failover: guest running"), standby.output());
                primary.kill(); // stopped, it never woke
            }
        }
        // the primary released only acknowledged checkpoints' output, and the standby delivered the rest
        // up to the checkpoint it holds: together, the run uninterrupted to that checkpoint, exactly
        String run = counter.referenceTo(checkpointAt);
        String mine = Files.readString(a);
        String theirs = Files.readString(b);
        int from = run.length() - theirs.length(); // where the standby's delivery starts in the run
        assertTrue(from >= 0 && from <= mine.length(), "the standby's output does not go on from the primary's:"
                + " run " + run.length() + " bytes, primary " + mine.length() + ", standby " + theirs.length());
        assertEquals(run, mine.substring(0, from) + theirs, "output lost or invented");
        assertTrue(run.startsWith(mine), "the primary released output past the checkpoint the standby holds");
    }
}
