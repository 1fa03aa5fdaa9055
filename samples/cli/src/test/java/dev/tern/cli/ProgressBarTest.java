package dev.tern.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final AtomicLong clock = new AtomicLong();
    private final ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), "savevm",
            clock::get, 1_000_000_000L);

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void rendersPercentSizesAndRateFromTheInjectedClock() {
        clock.set(1_000_000_000L);
        bar.update(100_000_000L, 200L << 20, "dirty 3.0 MB/s");
        assertEquals("\rsavevm  [#########...........]  47%  95.4 MiB/200.0 MiB  100.0 MB/s  dirty 3.0 MB/s",
                output());
    }

    @Test
    void redrawsAtMostOncePerIntervalAndPadsShorterLines() {
        clock.set(1_000_000_000L);
        bar.update(1L << 20, 4L << 20, "a long extra text");
        int afterFirst = output().length();
        clock.set(1_500_000_000L);
        bar.update(2L << 20, 4L << 20, "");
        assertEquals(afterFirst, output().length(), "redrawn before the interval passed");
        clock.set(2_000_000_000L);
        bar.update(4L << 20, 4L << 20, "");
        String second = output().substring(afterFirst);
        assertTrue(second.startsWith("\rsavevm  [####################] 100%"), second);
        assertTrue(second.endsWith("   "), "the previous longer line is blanked out: [" + second + "]");
    }

    @Test
    void unknownTotalShowsBytesOnly() {
        clock.set(500_000_000L);
        bar.update(3L << 20, 0, null);
        assertEquals("\rsavevm  [....................]  3.0 MiB  6.3 MB/s", output());
    }

    @Test
    void finishEndsTheLine() {
        clock.set(1);
        bar.update(1, 2, "");
        bar.finish("done in 0.1 s");
        assertTrue(output().contains("\rsavevm  done in 0.1 s"), output());
        assertTrue(output().endsWith(System.lineSeparator()));
    }

    @Test
    void negativeIntervalIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ProgressBar(System.out, "x", () -> 0, -1));
    }
}
