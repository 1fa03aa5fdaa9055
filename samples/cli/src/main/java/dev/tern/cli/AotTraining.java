package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSnapshot;
import dev.tern.kernel.machine.SnapshotFiles;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.migration.MigrationDestination;
import dev.tern.kernel.migration.MigrationSource;
import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationStatus;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.progress.Progress;
import dev.tern.spi.transport.Listener;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The workload the {@code ./tern} launcher runs once per build under the JDK's
 * {@code -XX:AOTCacheOutput} (JEP 483, 514, 515): what a VMM does rarely but must do fast — live
 * migrations on both ends, with and without a delta codec and compression, and a snapshot saved and
 * loaded. The cache it leaves holds those paths' classes already loaded and linked, and their method
 * profiles, so a process's first migration does not load classes or gather profiles inside its
 * setup and pause (docs/architecture.md, "Ahead-of-time cache"). Fails, naming the step, when any
 * step does not end as it must: a cache trained on a broken run would be no use.
 */
@Command(name = "aot-training", hidden = true,
        description = "The launcher's training run for the JVM's ahead-of-time cache (migrations and a snapshot).")
final class AotTraining implements Callable<Integer> {

    /** The machine: the bundled 64-page dirtier, so each round has pages to send again. */
    private static final String[] MACHINE = {"-m", "64M", "--serial", "none"};

    /** The configurations trained: plain pages, then XBZRLE with LZ4 (each codec's path). */
    private static final List<List<String>> CONFIGS = List.of(List.of(), List.of("xbzrle", "compression=lz4"));

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        PluginRegistry plugins = PluginRegistry.discover(getClass().getClassLoader(), List.of());
        byte[] rom = rom();
        for (List<String> settings : CONFIGS) {
            MigrationStats stats = migrate(plugins, rom, config(settings));
            out.println("aot-training: migration " + (settings.isEmpty() ? "(plain)" : settings) + " "
                    + stats.status().label() + " in " + stats.totalMs() + " ms");
        }
        snapshotRoundTrip(plugins, rom);
        out.println("aot-training: snapshot saved and loaded");
        return 0;
    }

    private static MigrationConfig config(List<String> settings) {
        MigrationConfig config = MigrationConfig.DEFAULT;
        for (String s : settings) {
            int eq = s.indexOf('=');
            config = eq < 0 ? config.withCapability(s, true) : config.with(s.substring(0, eq), s.substring(eq + 1));
        }
        return config;
    }

    /** One migration over loopback tcp from a running machine to a fresh one; both ends warmed up as the CLI does. */
    private static MigrationStats migrate(PluginRegistry plugins, byte[] rom, MigrationConfig config) throws Exception {
        try (Machine source = machine(plugins, rom);
             Machine target = machine(plugins, rom);
             Listener listener = MigrationUri.parse("tcp:127.0.0.1:0").listen(plugins)) {
            source.start();
            MigrationSource.warmUp(source, plugins);
            var destination = new MigrationDestination(target, plugins);
            destination.warmUp();
            CompletableFuture<Void> incoming = receive(destination, listener);
            var migration = new MigrationSource(source, MigrationUri.parse(listener.address()).connect(plugins), config,
                    plugins);
            MigrationStats stats = migration.run();
            try {
                incoming.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("the destination refused the training migration: "
                        + e.getCause().getMessage(), e.getCause());
            }
            if (stats.status() != MigrationStatus.COMPLETED) {
                throw new IllegalStateException("the training migration ended " + stats.status().label() + ": "
                        + stats.error());
            }
            return stats;
        }
    }

    private static CompletableFuture<Void> receive(MigrationDestination destination, Listener listener) {
        var done = new CompletableFuture<Void>();
        Thread.ofPlatform().name("aot-training-destination").start(() -> {
            try {
                destination.receive(listener.accept(), listener);
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /** Saves a paused machine to a file and loads it into a fresh one, which must then equal it. */
    private static void snapshotRoundTrip(PluginRegistry plugins, byte[] rom) throws IOException {
        Path file = Files.createTempFile("tern-aot-training", ".tern");
        try (Machine source = machine(plugins, rom); Machine copy = machine(plugins, rom)) {
            source.start();
            source.pause();
            var files = SnapshotFiles.using(plugins);
            files.save(source, file, Progress.NONE);
            MachineSnapshot.load(copy, files.source(file));
            if (!MachineDigest.full(source).equals(MachineDigest.full(copy))) {
                throw new IllegalStateException("the training snapshot loaded into a machine that differs from its source");
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static Machine machine(PluginRegistry plugins, byte[] rom) {
        var cmd = new RunCommand();
        new CommandLine(cmd).parseArgs(MACHINE);
        return Machine.create(plugins, cmd.spec(rom));
    }

    private static byte[] rom() throws IOException {
        try (InputStream in = AotTraining.class.getResourceAsStream(FtBench.ROM)) {
            if (in == null) {
                throw new IllegalStateException(FtBench.ROM + " is missing from the classpath");
            }
            return in.readAllBytes();
        }
    }
}
