package dev.tern.cli;

import java.io.IOException;

/**
 * Puts the controlling terminal in raw mode while the guest owns stdin (so keys reach the guest's
 * serial port one by one, and Ctrl-C goes to the guest), and restores it afterwards.
 */
final class ConsoleMode implements AutoCloseable {

    private final String saved;

    private ConsoleMode(String saved) {
        this.saved = saved;
    }

    /** Raw mode when stdin and stdout are a terminal and the serial port is on stdio; otherwise nothing. */
    static ConsoleMode rawIfInteractive(boolean serialOnStdio) {
        return serialOnStdio && interactive() ? set("raw -echo") : new ConsoleMode(null);
    }

    /**
     * Keys one by one without echo (the monitor's line editor echoes and completes), signals kept
     * (Ctrl-C still ends the run), when stdin and stdout are a terminal; otherwise nothing.
     */
    static ConsoleMode lineEditing() {
        return interactive() ? set("-icanon -echo min 1") : new ConsoleMode(null);
    }

    /** Whether this ran with its standard input and output on a terminal. */
    static boolean interactive() {
        return System.console() != null && System.console().isTerminal();
    }

    private static ConsoleMode set(String mode) {
        try {
            String saved = stty("-g").strip();
            stty(mode);
            return new ConsoleMode(saved);
        } catch (IOException | InterruptedException e) {
            return new ConsoleMode(null);
        }
    }

    /** Whether the terminal's mode was changed (and will be restored). */
    boolean changed() {
        return saved != null;
    }

    /** Restores the terminal (idempotent). */
    void restore() {
        if (saved != null) {
            try {
                stty(saved);
            } catch (IOException | InterruptedException ignored) {
                // Nothing better to do: the terminal stays raw, `reset` fixes it.
            }
        }
    }

    @Override
    public void close() {
        restore();
    }

    private static String stty(String args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", "stty " + args + " < /dev/tty").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("stty " + args + " failed: " + out);
        }
        return out;
    }
}
