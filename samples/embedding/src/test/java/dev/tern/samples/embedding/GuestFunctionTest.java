package dev.tern.samples.embedding;

import dev.tern.kernel.state.SavedStateException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The guest ROM as a library call: real x86 guest code behind a real UART, snapshots in memory. */
class GuestFunctionTest {

    @Test
    @Timeout(60)
    void callsKeepGuestStateAndARestoreRewindsIt() throws Exception {
        try (GuestFunction shout = GuestFunction.boot(EmbeddingDemo.rom(), 10_000)) {
            assertEquals("#1 HELLO total=5", shout.call("hello"));
            byte[] afterHello = shout.snapshot();
            assertEquals("#2 WORLD, 42! total=15", shout.call("world, 42!"));
            assertEquals("#3  total=15", shout.call(""));

            shout.restore(afterHello);
            assertEquals("#2 OTHER total=10", shout.call("other"), "the restore did not rewind the guest's counters");
            shout.restore(afterHello);
            assertEquals("#2 WORLD, 42! total=15", shout.call("world, 42!"), "the same input from the same state answers the same");
        }
    }

    @Test
    @Timeout(60)
    void aLineLongerThanTheGuestBufferIsCutNotOverflowed() throws Exception {
        try (GuestFunction shout = GuestFunction.boot(EmbeddingDemo.rom(), 10_000)) {
            String answer = shout.call("x".repeat(1000));
            assertEquals("#1 " + "X".repeat(200) + " total=200", answer);
            assertEquals("#2 OK total=202", shout.call("ok"));
        }
    }

    @Test
    @Timeout(60)
    void aDamagedSnapshotIsRefusedAndTheGuestGoesOnUnchanged() throws Exception {
        try (GuestFunction shout = GuestFunction.boot(EmbeddingDemo.rom(), 10_000)) {
            shout.call("one");
            byte[] snapshot = shout.snapshot();
            byte[] cut = Arrays.copyOf(snapshot, snapshot.length / 2);
            assertThrows(SavedStateException.class, () -> shout.restore(cut));
            assertEquals("#2 TWO total=6", shout.call("two"));
        }
    }

    @Test
    void aCallIsOneLine() throws Exception {
        try (GuestFunction shout = GuestFunction.boot(EmbeddingDemo.rom(), 10_000)) {
            var e = assertThrows(IllegalArgumentException.class, () -> shout.call("a\nb"));
            assertTrue(e.getMessage().contains("line break"), e.getMessage());
        }
    }

    @Test
    @Timeout(60)
    void theDemoRunsEveryInputFromTheWarmSnapshot() throws Exception {
        PrintStream original = System.out;
        var captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            EmbeddingDemo.main(new String[] {"abc", "de"});
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("warm-up:  #1 WARM UP total=7"), out);
        assertTrue(out.contains("call:     #2 ABC total=10"), out);
        assertTrue(out.contains("call:     #2 DE total=9"), out);
    }
}
