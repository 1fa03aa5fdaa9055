package dev.tern.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar redrawn in place with a carriage return:
 * <pre>  savevm  [##########..........]  50%  256.0/512.0 MiB  812.3 MB/s  dirty 12.0 MB/s</pre>
 * Redraws are rate-limited (a migration reports progress per page batch, far more often than a
 * terminal can usefully show), and the throughput is measured between redraws from the injected
 * clock, so the bar can be tested without a terminal or real time.
 *
 * <p>Not thread-safe: one operation drives one bar.
 */
public final class ProgressBar implements dev.tern.kernel.progress.Progress {

    private static final long DEFAULT_INTERVAL_NANOS = 200_000_000L;
    private static final int WIDTH = 20;

    private final PrintStream out;
    private final String label;
    private final LongSupplier nanoClock;
    private final long intervalNanos;
    private long lastDrawNanos;
    private long lastDrawDone;
    private double rateBytesPerSecond;
    private boolean drawn;
    private int lastLength;

    /**
     * @param out where the bar is drawn
     * @param label the operation's name, printed first
     * @param nanoClock monotonic time in nanoseconds (e.g. {@code System::nanoTime})
     * @param intervalNanos the least time between redraws
     */
    public ProgressBar(PrintStream out, String label, LongSupplier nanoClock, long intervalNanos) {
        this.out = Objects.requireNonNull(out, "out");
        this.label = Objects.requireNonNull(label, "label");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        if (intervalNanos < 0) {
            throw new IllegalArgumentException("redraw interval must not be negative: " + intervalNanos);
        }
        this.intervalNanos = intervalNanos;
        this.lastDrawNanos = nanoClock.getAsLong();
    }

    /**
     * A bar on standard error when the JVM has an interactive terminal, otherwise a bar that
     * draws nothing: progress is for people, not for logs and pipes.
     */
    public static ProgressBar onTerminal(String label) {
        if (System.console() == null) {
            return new ProgressBar(new PrintStream(PrintStream.nullOutputStream()), label, System::nanoTime,
                    Long.MAX_VALUE);
        }
        return new ProgressBar(System.err, label, System::nanoTime, DEFAULT_INTERVAL_NANOS);
    }

    /**
     * Reports progress; redraws when the interval has passed since the last redraw.
     *
     * @param doneBytes bytes processed so far (monotonic)
     * @param totalBytes the expected total; may grow (a migration's dirty pages), 0 if unknown
     * @param extra appended to the line, e.g. {@code "dirty 12.0 MB/s"}; may be empty
     */
    @Override
    public void update(long doneBytes, long totalBytes, String extra) {
        long now = nanoClock.getAsLong();
        long elapsed = now - lastDrawNanos;
        if (drawn && elapsed < intervalNanos) {
            return;
        }
        if (elapsed > 0) {
            rateBytesPerSecond = (doneBytes - lastDrawDone) * 1e9 / elapsed;
        }
        lastDrawNanos = now;
        lastDrawDone = doneBytes;
        draw(render(doneBytes, totalBytes, extra), false);
    }

    /** Ends the bar with a final line (and a newline), e.g. {@code "completed in 1.2 s"}. */
    @Override
    public void finish(String summary) {
        if (!drawn && intervalNanos == Long.MAX_VALUE) {
            return;
        }
        draw(label + "  " + summary, true);
    }

    /** The line for the given progress, without redraw bookkeeping. */
    String render(long doneBytes, long totalBytes, String extra) {
        StringBuilder line = new StringBuilder(label).append("  [");
        if (totalBytes > 0) {
            double fraction = Math.min(1.0, Math.max(0.0, (double) doneBytes / totalBytes));
            int filled = (int) Math.floor(fraction * WIDTH);
            line.append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append("] ");
            line.append(String.format(Locale.ROOT, "%3d%%  %s/%s", (int) Math.floor(fraction * 100),
                    mebibytes(doneBytes), mebibytes(totalBytes)));
        } else {
            line.append(".".repeat(WIDTH)).append("]  ").append(mebibytes(doneBytes));
        }
        line.append(String.format(Locale.ROOT, "  %.1f MB/s", rateBytesPerSecond / 1e6));
        if (extra != null && !extra.isEmpty()) {
            line.append("  ").append(extra);
        }
        return line.toString();
    }

    private void draw(String text, boolean last) {
        // Pad over the previous, possibly longer, line: a carriage return does not clear it.
        int pad = Math.max(0, lastLength - text.length());
        out.print("\r" + text + " ".repeat(pad) + (last ? System.lineSeparator() : ""));
        out.flush();
        lastLength = last ? 0 : text.length();
        drawn = !last;
    }

    private static String mebibytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
