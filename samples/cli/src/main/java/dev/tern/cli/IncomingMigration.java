package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.migration.MigrationDestination;
import dev.tern.kernel.migration.MigrationException;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.migration.PostcopyIncoming;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.Listener;

import java.io.IOException;
import java.io.PrintStream;

/**
 * {@code tern run --incoming URI}: listens, receives the migration (its main connection, and the multifd
 * channels when the source opens them), then the caller starts the machine.
 */
final class IncomingMigration {

    private IncomingMigration() {
    }

    /**
     * Receives into {@code machine} (created, never started). With {@code onPostcopyPause} (null:
     * none), a post-copy pauses on a lost connection, telling it why, instead of losing the guest:
     * armed before the post-copy starts, so a loss in its first moments pauses too.
     *
     * @return the pages still to come when the source switched over to post-copy (the caller starts
     *         the machine and {@linkplain #watch watches} them), or null
     *
     * @throws MigrationException when the stream was refused; the machine must then be discarded
     */
    static PostcopyIncoming receive(Machine machine, PluginRegistry plugins, String uri, boolean digest, PrintStream log,
            java.util.function.Consumer<String> onPostcopyPause) throws IOException, MigrationException {
        var destination = new MigrationDestination(machine, plugins);
        if (onPostcopyPause != null) {
            destination.allowPostcopyRecovery(onPostcopyPause);
        }
        destination.warmUp(); // idle until the source connects: compile the receive path first
        // The listener stays open while the migration starts: multifd channels connect to it too.
        // The destination closes it once no channel can come any more; closing twice is harmless.
        try (Listener listener = MigrationUri.parse(uri).listen(plugins)) {
            log.println("tern: waiting for an incoming migration on " + listener.address());
            log.flush();
            Connection connection;
            try {
                connection = listener.accept();
            } catch (IOException e) {
                // a source that connects and vanishes at once fails the transport's own greeting
                throw new MigrationException("incoming migration from a peer of " + listener.address()
                        + " failed while connecting: " + e.getMessage(), e);
            }
            log.println("tern: incoming migration from " + connection.peer());
            log.flush();
            destination.receive(connection, listener);
        }
        PostcopyIncoming postcopy = destination.postcopy();
        if (destination.sourceWasPaused()) {
            // QEMU's global state: the guest the operator paused there stays paused here
            machine.pauseOnStart();
            log.println("tern: the source's guest was paused: it stays paused here until resumed (cont)");
        }
        if (postcopy != null) {
            // RAM is not all here: a digest now would read pages the guest has not got yet
            log.println("tern: incoming migration switched over to post-copy: the guest runs here; "
                    + postcopy.missingPages() + " pages still come from the source");
        } else if (digest) {
            printDigest("incoming migration complete", machine, log);
        } else {
            log.println("tern: incoming migration complete");
        }
        log.flush();
        return postcopy;
    }

    /**
     * Reports the end of post-copy; when the guest is lost (the source gone before every page came)
     * says so and stops the machine: it must not run on without them ({@link PostcopyIncoming#lostReason()}
     * then says why, also when a vCPU found a page missing first).
     */
    static void watch(PostcopyIncoming postcopy, Machine machine, PrintStream log) {
        postcopy.completion().whenComplete((done, error) -> {
            if (error == null) {
                log.println("tern: post-copy complete: " + postcopy.receivedPages() + " pages received, "
                        + postcopy.requests() + " requested by the guest, median request latency "
                        + postcopy.medianRequestNanos() / 1000 + " us");
                log.flush();
                return;
            }
            Throwable cause = error instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                    ? c.getCause() : error;
            String why = "incoming " + cause.getMessage();
            log.println("tern: " + why);
            log.flush();
            machine.stop(why);
        });
    }

    /** Prints the RAM and whole-state digests of a stopped machine, with the vCPU 0 instruction count. */
    static void printDigest(String when, Machine machine, PrintStream log) throws IOException {
        log.println("tern: " + when + ": instructions=" + machine.vcpus().getFirst().instructionCount()
                + " ram-sha256=" + MachineDigest.ram(machine) + " state-sha256=" + MachineDigest.full(machine));
        log.flush();
    }
}
