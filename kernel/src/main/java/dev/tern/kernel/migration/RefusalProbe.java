package dev.tern.kernel.migration;

import dev.tern.spi.transport.Connection;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Finds the destination's own reason after a send failed. A destination that refuses the stream in
 * the middle of a round (a disk of another size, a page it cannot apply) writes
 * {@link WireMessage#REFUSED} with its reason and closes; the source, still sending, only sees its
 * write fail ("Broken pipe", "Connection reset"). The refusal was written before the close, so it is
 * already in this end's receive queue, ahead of the reset: one short, bounded read finds it.
 *
 * <p>Not for a timed-out connection (the peer may be alive and silent: a read would only wait out
 * the bound) nor for one-way transports.
 */
final class RefusalProbe {

    /** Long enough for a reset peer's queued bytes, short enough not to delay a failure that has none. */
    static final Duration BOUND = Duration.ofMillis(500);

    /** Control messages read past (late APPLIED acknowledgements) before giving up. */
    private static final int MAX_MESSAGES = 8;

    private RefusalProbe() {
    }

    /** The destination's refusal reason, when {@code failure} is a failed send on a connection that holds one. */
    static Optional<String> after(Throwable failure, Connection connection) {
        if (!connection.isBidirectional() || !connection.isOpen() || !causedBySocketFailure(failure)) {
            return Optional.empty();
        }
        var read = new FutureTask<>(() -> firstRefusal(new WireInput(connection)));
        Thread.ofVirtual().name("tern-migration-refusal-probe").start(read);
        try {
            return read.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            read.cancel(true); // the caller closes the connection next, which ends the read
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static Optional<String> firstRefusal(WireInput in) throws IOException {
        for (int i = 0; i < MAX_MESSAGES; i++) {
            WireInput.Control c = in.nextControl();
            if (c.kind() == WireMessage.REFUSED) {
                return Optional.of(c.text());
            }
            if (c.kind() != WireMessage.APPLIED) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static boolean causedBySocketFailure(Throwable failure) {
        boolean io = false;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof InterruptedIOException) {
                return false;
            }
            io |= t instanceof IOException || t instanceof java.io.UncheckedIOException;
        }
        return io;
    }
}
