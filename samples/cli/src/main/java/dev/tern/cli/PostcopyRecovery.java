package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.migration.PostcopyIncoming;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.MonitorCommand;
import dev.tern.kernel.monitor.MonitorEvents;
import dev.tern.kernel.monitor.QmpCommand;
import dev.tern.kernel.monitor.QmpError;
import dev.tern.kernel.monitor.QmpParam;
import dev.tern.kernel.monitor.Reply;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.Listener;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * The destination's half of post-copy recovery (docs/protocols/migration.md, "Post-copy
 * recovery"): once {@linkplain #attach attached} to an incoming post-copy, a lost connection pauses
 * it — said on the console and as QMP's MIGRATION event {@code postcopy-paused} — and
 * {@code migrate_recover URI} (QMP {@code migrate-recover}) listens on URI for the source's
 * {@code migrate -r}: {@code postcopy-recover}, then {@code postcopy-active} again.
 */
final class PostcopyRecovery {

    private final PluginRegistry plugins;
    private final PrintStream log;
    private volatile PostcopyIncoming incoming;
    private volatile MonitorEvents events;
    /** Whether a migrate_recover listens now (one at a time). */
    private boolean listening;

    PostcopyRecovery(PluginRegistry plugins, PrintStream log) {
        this.plugins = plugins;
        this.log = log;
    }

    /**
     * From now on a lost connection pauses {@code postcopy} instead of losing the guest; should
     * {@code machine} be stopped (quit) while paused, the guest is given up at once — its vCPUs
     * may be waiting for pages that will never come, and only that releases them.
     */
    void attach(PostcopyIncoming postcopy, Machine machine) {
        incoming = postcopy;
        machine.exitStage().thenRun(() -> postcopy.abandon("the destination quit while post-copy was paused"));
        postcopy.allowRecovery(this::paused); // already so when the destination was told (IncomingMigration)
    }

    /** A lost connection paused the incoming post-copy: says why, and the status. */
    void paused(String why) {
        log.println("tern: " + why);
        status("postcopy-paused");
    }

    /** Adds {@code migrate_recover} (human monitor) and {@code migrate-recover} (QMP). */
    void registerOn(Monitor monitor) {
        events = monitor.events();
        monitor.register(new MonitorCommand("migrate_recover", "URI",
                "with an incoming post-copy paused: wait on URI for the source's migrate -r", 1, 1,
                args -> recover(args.getFirst())));
        monitor.registerQmp(new QmpCommand("migrate-recover", List.of(QmpParam.required("uri", QmpParam.Type.STRING)),
                args -> recover(args.string("uri"))));
    }

    private Reply recover(String uri) throws IOException {
        PostcopyIncoming pc = incoming;
        if (pc == null || !pc.isPaused()) {
            throw QmpError.generic("no incoming post-copy migration is paused");
        }
        MigrationUri parsed = MigrationUri.parse(uri);
        synchronized (this) {
            if (listening) {
                throw QmpError.generic("a migrate_recover already waits for the source");
            }
            listening = true;
        }
        Listener listener;
        try {
            listener = parsed.listen(plugins);
        } catch (IOException | RuntimeException e) {
            done();
            throw e;
        }
        log.println("tern: waiting for the source to resume post-copy on " + listener.address());
        log.flush();
        status("postcopy-recover");
        Thread.ofPlatform().name("tern-postcopy-recover").daemon().start(() -> accept(pc, listener));
        return Reply.NONE;
    }

    private void accept(PostcopyIncoming pc, Listener listener) {
        try (listener) {
            Connection c = listener.accept();
            pc.resume(c);
            log.println("tern: post-copy resumed from " + c.peer() + "; " + pc.missingPages() + " pages still to come");
            status("postcopy-active");
        } catch (IOException | RuntimeException e) {
            log.println("tern: post-copy recovery on " + listener.address() + " failed: " + e.getMessage()
                    + "; still paused (migrate_recover again)");
            status("postcopy-paused");
        } finally {
            done();
            log.flush();
        }
    }

    private synchronized void done() {
        listening = false;
    }

    private void status(String label) {
        log.println("tern: MIGRATION status=" + label);
        log.flush();
        MonitorEvents e = events;
        if (e != null) {
            e.emit("MIGRATION", Map.of("status", label));
        }
    }
}
