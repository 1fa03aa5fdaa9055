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
        if (!serialOnStdio || System.console() == null || !System.console().isTerminal()) {
            return new ConsoleMode(null);
        }
        try {
            String saved = stty("-g").strip();
            stty("raw -echo");
            return new ConsoleMode(saved);
        } catch (IOException | InterruptedException e) {
            return new ConsoleMode(null);
        }
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
