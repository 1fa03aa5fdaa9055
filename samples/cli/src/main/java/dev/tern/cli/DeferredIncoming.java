package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.MonitorCommand;
import dev.tern.kernel.monitor.QmpCommand;
import dev.tern.kernel.monitor.QmpError;
import dev.tern.kernel.monitor.QmpParam;
import dev.tern.kernel.monitor.Reply;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * {@code tern run --incoming defer}: the machine waits, created and never started, until a
 * management client names where the migration comes from with QMP's {@code migrate-incoming} (or
 * the human monitor's {@code migrate_incoming}), as QEMU's {@code -incoming defer}.
 */
final class DeferredIncoming {

    /** The {@code --incoming} value that defers. */
    static final String DEFER = "defer";

    private final CompletableFuture<String> uri = new CompletableFuture<>();
    private final boolean deferred;

    /** @param machine the waiting machine, or null when this run does not defer (the commands then refuse) */
    DeferredIncoming(Machine machine) {
        this.deferred = machine != null;
        if (deferred) {
            // a quit before any migrate-incoming ends the wait
            Thread.ofPlatform().daemon().name("tern-incoming-defer").start(() -> {
                try {
                    machine.awaitExit();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                uri.complete(null);
            });
        }
    }

    /** Adds {@code migrate-incoming} (QMP) and {@code migrate_incoming} (human monitor). */
    void registerOn(Monitor monitor) {
        monitor.registerQmp(new QmpCommand("migrate-incoming", List.of(QmpParam.required("uri", QmpParam.Type.STRING)),
                args -> start(args.string("uri"))));
        monitor.register(new MonitorCommand("migrate_incoming", "URI",
                "with tern run --incoming defer: receive the incoming migration on URI", 1, 1,
                args -> start(args.getFirst())));
    }

    private Reply start(String text) {
        if (!deferred) {
            throw QmpError.generic("migrate-incoming needs tern run --incoming defer");
        }
        MigrationUri.parse(text); // refused here, to the client, rather than after the wait
        if (!uri.complete(text)) {
            throw QmpError.generic("The incoming migration has already been started");
        }
        return Reply.NONE;
    }

    /** Waits for the URI; null when the machine ended (quit) first. */
    String await() throws InterruptedException, ExecutionException {
        return uri.get();
    }
}
