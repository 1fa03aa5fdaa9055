package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.migration.DirtyRateProbe;
import dev.tern.kernel.migration.DiskStats;
import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.migration.MigrationSource;
import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationStatus;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.MonitorCommand;
import dev.tern.kernel.monitor.MonitorEvents;
import dev.tern.kernel.monitor.Reply;
import dev.tern.kernel.plugin.PluginRegistry;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;

/**
 * The migration commands of the human monitor, with QEMU's HMP names: {@code migrate [-d] URI},
 * {@code migrate_cancel}, {@code migrate_set_capability}, {@code migrate_set_parameter},
 * {@code migrate_set_cachesize} and {@code info migrate / migrate_capabilities / migrate_parameters}.
 * One outgoing migration at a time; settings changed meanwhile apply to the next one, except
 * {@code max-bandwidth}, which also throttles the running migration.
 */
final class MigrationCommands {

    private final Machine machine;
    private final PluginRegistry plugins;
    private final PrintStream events;
    private volatile MigrationConfig config = MigrationConfig.DEFAULT;
    private volatile MigrationSource current;
    /** The last {@code calc_dirty_rate}: its text for {@code info dirty_rate}, and whether it still runs. */
    private volatile String dirtyRate = "Status: unstarted\n";
    private volatile boolean measuring;
    private volatile MonitorEvents monitorEvents;

    MigrationCommands(Machine machine, PluginRegistry plugins, PrintStream events) {
        this.machine = machine;
        this.plugins = plugins;
        this.events = events;
    }

    /** Words a {@code migrate} URI may span (an exec: command line). */
    private static final int MAX_URI_WORDS = 256;

    /** Adds the commands, in their human and QMP forms, to {@code monitor}. */
    void registerOn(Monitor monitor) {
        this.monitorEvents = monitor.events();
        monitor.register(new MonitorCommand("migrate", "[-d] [-b] [-r] URI",
                "live-migrate to URI (tcp:HOST:PORT, tls:HOST:PORT?cert=..., unix:PATH, shm:unix:PATH, file:PATH,"
                + " exec:COMMAND, fd:N; the rest of the line is the URI); -d returns at once; -r resumes a paused"
                + " post-copy on URI (the destination's migrate_recover); -b also copies the disks (block-migration);"
                + " without -d a progress bar is drawn on a terminal", 1, MAX_URI_WORDS, this::migrateCommand));
        monitor.register(MonitorCommand.of("migrate_cancel", "cancel the running migration", this::cancel));
        monitor.register(MonitorCommand.of("migrate_start_postcopy",
                "switch the running migration to post-copy (needs the postcopy-ram capability)", this::startPostcopy));
        monitor.register(new MonitorCommand("migrate_set_capability", "NAME on|off",
                "switch a capability: " + String.join(", ", MigrationConfig.CAPABILITIES), 2, 2, args -> {
                    config = config.withCapability(args.get(0), onOff(args.get(1)));
                    return Reply.NONE;
                }));
        monitor.register(new MonitorCommand("migrate_set_parameter", "NAME VALUE",
                "set a parameter: " + String.join(", ", MigrationConfig.PARAMETERS), 2, 2, args -> {
                    setParameter(args.get(0), args.get(1));
                    return Reply.NONE;
                }));
        monitor.register(new MonitorCommand("migrate_set_cachesize", "SIZE", "set the XBZRLE cache size (e.g. 64M)",
                1, 1, args -> {
                    setParameter("xbzrle-cache-size", args.getFirst());
                    return Reply.NONE;
                }));
        monitor.register(MonitorCommand.of("info migrate", "status and statistics of the last migration", this::info));
        monitor.register(new MonitorCommand("calc_dirty_rate", "MS",
                "measure the guest's dirty page rate over MS milliseconds (" + DirtyRateProbe.MIN_MS + ".."
                + DirtyRateProbe.MAX_MS + ") in the background; see info dirty_rate", 1, 1, this::calcDirtyRate));
        monitor.register(MonitorCommand.of("info dirty_rate", "the result of the last calc_dirty_rate",
                () -> Reply.text(dirtyRate)));
        monitor.register(MonitorCommand.of("info migrate_capabilities", "migration capabilities",
                () -> new MigrationSettings(config, false)));
        monitor.register(MonitorCommand.of("info migrate_parameters", "migration parameters",
                () -> new MigrationSettings(config, true)));
        new MigrationQmpCommands(this).registerOn(monitor);
    }

    /** HMP {@code migrate [-d] URI}. */
    /**
     * The URI is the rest of the line, so that {@code migrate exec:gzip -c > vm.gz} works as in
     * QEMU's monitor (runs of blanks between its words become one space).
     */
    private Reply migrateCommand(List<String> args) throws Exception {
        if (args.size() > 1 && args.getFirst().equals("-r")) {
            return resume(String.join(" ", args.subList(1, args.size())));
        }
        boolean detach = false;
        boolean blocks = false;
        int i = 0;
        for (; i < args.size() - 1 && args.get(i).startsWith("-"); i++) {
            switch (args.get(i)) {
                case "-d" -> detach = true;
                case "-b" -> blocks = true;
                default -> throw new IllegalArgumentException("usage: migrate [-d] [-b] [-r] URI; '" + args.get(i)
                        + "' is not -d, -b or -r");
            }
        }
        return migrate(String.join(" ", args.subList(i, args.size())), detach, blocks);
    }

    /**
     * Resumes the paused post-copy on a new connection to {@code target}, where the destination's
     * {@code migrate_recover} waits (HMP {@code migrate -r}, QMP {@code migrate} with {@code resume}).
     */
    Reply resume(String target) throws Exception {
        MigrationSource s = current;
        if (s == null || s.stats().status() != MigrationStatus.POSTCOPY_PAUSED) {
            throw new IllegalStateException("no post-copy migration is paused"
                    + (s == null ? "" : " (status " + s.stats().status().label() + ")"));
        }
        s.resumePostcopy(MigrationUri.parse(target).connect(plugins));
        return Reply.NONE;
    }

    /** Cancels the running migration (nothing when none runs). */
    Reply cancel() {
        MigrationSource s = current;
        if (s != null && !s.cancel() && !s.stats().status().isFinal()) {
            throw new IllegalStateException("the migration is past its commit point and cannot be cancelled");
        }
        return Reply.NONE;
    }

    /**
     * Switches the running migration to post-copy: the destination runs the guest at once and this
     * side can never run it again.
     */
    Reply startPostcopy() {
        MigrationSource s = current;
        if (s == null || s.stats().status().isFinal()) {
            throw new IllegalStateException("no migration is running (start one with migrate -d URI first)");
        }
        s.startPostcopy();
        return Reply.NONE;
    }

    /** Why a device change must wait: a migration is under way (its destination was made with the devices of now). */
    java.util.Optional<String> busy() {
        MigrationSource running = current;
        return running == null || running.stats().status().isFinal() ? java.util.Optional.empty()
                : java.util.Optional.of("a migration is " + running.stats().status().label()
                        + "; change devices before or after it (QEMU refuses too)");
    }

    /** The settings now. */
    MigrationConfig config() {
        return config;
    }

    /** Replaces the settings (checked by the caller, all at once). */
    void config(MigrationConfig next) {
        config = next;
    }

    /** Starts a migration to {@code target}; unless {@code detach}, waits for it to complete. */
    Reply migrate(String target, boolean detach) throws Exception {
        return migrate(target, detach, false);
    }

    /** {@link #migrate(String, boolean)}, with the disks too when {@code blocks} (QEMU's {@code migrate -b}). */
    Reply migrate(String target, boolean detach, boolean blocks) throws Exception {
        MigrationSource running = current;
        if (running != null && !running.stats().status().isFinal()) {
            throw new IllegalStateException("a migration is already " + running.stats().status().label());
        }
        MigrationUri uri = MigrationUri.parse(target);
        MigrationConfig settings = blocks ? config.withCapability("block-migration", true) : config;
        var source = new MigrationSource(machine, uri.connect(plugins), settings, plugins, () -> uri.connect(plugins));
        source.allowPostcopyRecovery(); // migrate -r can resume it
        if (settings.events()) {
            source.addListener(new MigrationEvents(events, monitorEvents));
        }
        current = source;
        if (!detach) {
            source.showProgress(ProgressBar.onTerminal("migrate"));
        }
        var done = source.start();
        if (detach) {
            return Reply.NONE;
        }
        MigrationStats end;
        try {
            end = done.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("migration thread failed: " + e.getCause(), e.getCause());
        }
        if (end.status() != MigrationStatus.COMPLETED) {
            throw new IllegalStateException("migration " + end.status().label() + ": " + end.error());
        }
        return Reply.NONE;
    }

    private Reply calcDirtyRate(List<String> args) {
        long ms;
        try {
            ms = Long.parseLong(args.getFirst().strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + args.getFirst() + "' is not a number of milliseconds");
        }
        if (ms < DirtyRateProbe.MIN_MS || ms > DirtyRateProbe.MAX_MS) {
            throw new IllegalArgumentException("the period must be " + DirtyRateProbe.MIN_MS + ".."
                    + DirtyRateProbe.MAX_MS + " ms, was " + ms);
        }
        synchronized (this) {
            if (measuring) {
                throw new IllegalStateException("a dirty rate measurement is already under way");
            }
            measuring = true;
        }
        dirtyRate = "Status: measuring (" + ms + " ms)\n";
        Thread.ofPlatform().name("tern-dirty-rate").daemon().start(() -> {
            try {
                dirtyRate = "Status: measured\n" + new DirtyRateProbe(machine).measure(ms).render();
            } catch (InterruptedException e) {
                dirtyRate = "Status: interrupted\n";
            } catch (RuntimeException e) {
                dirtyRate = "Status: failed: " + e.getMessage() + "\n";
            } finally {
                measuring = false;
            }
        });
        return Reply.NONE;
    }

    /** Sets parameter {@code name} from its text; max-bandwidth also throttles a running migration. */
    void setParameter(String name, String value) {
        MigrationConfig next = config.with(name, value);
        config = next;
        MigrationSource s = current;
        if (name.equals("max-bandwidth") && s != null && !s.stats().status().isFinal()) {
            s.setMaxBandwidth(next.maxBandwidth());
        }
    }

    /** The settings and the last migration's statistics. */
    MigrationInfo info() {
        MigrationSource s = current;
        return new MigrationInfo(config, s == null ? null : s.stats(), s == null ? DiskStats.NONE : s.diskStats());
    }

    private static boolean onOff(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException("'" + text + "' is neither on nor off");
        };
    }
}
