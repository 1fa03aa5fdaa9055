package dev.tern.samples.pair;

import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.migration.MigrationDestination;
import dev.tern.kernel.migration.MigrationSource;
import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationStatus;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.samples.embedding.EmbeddingDemo;
import dev.tern.spi.transport.Listener;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Two machines in one JVM and a live migration between them over the transport a URI names
 * ({@code tcp:127.0.0.1:0}, {@code unix:/tmp/pair.sock}, any transport plugin's scheme). The guest
 * (the embedding sample's shout.rom) counts the lines it answers in its RAM: it answers #1 on the
 * source and, after the migration, #2 on the destination.
 *
 * <p>{@code MigratingPair [URI [CAPABILITY...]]} (default {@code tcp:127.0.0.1:0}; capabilities as
 * the monitor's {@code migrate_set_capability}, e.g. {@code xbzrle}). Prints both answers and the
 * migration's statistics; exits 0 when the migration completed.
 */
public final class MigratingPair {

    private MigratingPair() {
    }

    public static void main(String[] args) throws Exception {
        String uri = args.length > 0 ? args[0] : "tcp:127.0.0.1:0";
        List<String> capabilities = args.length > 1 ? Arrays.asList(args).subList(1, args.length) : List.of();
        try {
            MigrationStats stats = run(uri, capabilities, System.out);
            System.exit(stats.status() == MigrationStatus.COMPLETED ? 0 : 1);
        } catch (IOException | RuntimeException e) {
            System.err.println("migrating-pair: " + e.getMessage()); // a bad URI or capability, a busy address
            System.exit(2);
        }
    }

    /**
     * Boots the source, migrates it to a fresh destination listening on {@code uri}, and has the
     * destination answer. Returns the source's final statistics.
     *
     * @throws IllegalArgumentException for a malformed URI or an unknown capability
     */
    public static MigrationStats run(String uri, List<String> capabilities, PrintStream out) throws Exception {
        MigrationConfig config = MigrationConfig.DEFAULT;
        for (String c : capabilities) {
            config = config.withCapability(c, true);
        }
        PluginRegistry plugins = PluginRegistry.discover(MigratingPair.class.getClassLoader(), List.of());
        byte[] rom = EmbeddingDemo.rom();
        try (SerialGuest source = new SerialGuest(plugins, rom);
             SerialGuest destination = new SerialGuest(plugins, rom);
             Listener listener = MigrationUri.parse(uri).listen(plugins)) {
            source.machine.start();
            out.println("source:      " + source.awaitLine(0) + ", " + source.call("before"));

            // Both ends compile their paths first, as a VMM that expects migrations does: the source's
            // switch-over estimate counts what encoding and applying take, which cold code would inflate.
            MigrationSource.warmUp(source.machine, plugins);
            var receiver = new MigrationDestination(destination.machine, plugins);
            receiver.warmUp();
            CompletableFuture<Void> incoming = receive(receiver, listener);
            var migration = new MigrationSource(source.machine, MigrationUri.parse(listener.address()).connect(plugins),
                    config, plugins);
            MigrationStats stats = migration.run();
            try {
                incoming.get();
            } catch (ExecutionException e) {
                out.println("destination refused the migration: " + e.getCause().getMessage());
            }
            out.println("migration over " + listener.address() + ":");
            out.print(stats.render());
            if (stats.status() == MigrationStatus.COMPLETED && !incoming.isCompletedExceptionally()) {
                destination.machine.start();
                out.println("destination: " + destination.call("after"));
            }
            return stats;
        }
    }

    /** Accepts the source's connection and receives the machine, on a thread of its own. */
    private static CompletableFuture<Void> receive(MigrationDestination destination, Listener listener) {
        var done = new CompletableFuture<Void>();
        Thread.ofPlatform().name("pair-destination").start(() -> {
            try {
                destination.receive(listener.accept(), listener);
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }
}
