package dev.tern.cli;

import dev.tern.kernel.migration.MigrationListener;
import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationStatus;
import dev.tern.kernel.monitor.MonitorEvents;

import java.io.PrintStream;
import java.util.Map;

/**
 * With the {@code events} capability on: a migration's status changes as a line on the console and
 * as QMP's MIGRATION event, and each pass over RAM as MIGRATION_PASS.
 */
final class MigrationEvents implements MigrationListener {

    private final PrintStream console;
    private final MonitorEvents qmp;

    /** @param qmp where QMP clients hear events, or null when there is no monitor */
    MigrationEvents(PrintStream console, MonitorEvents qmp) {
        this.console = console;
        this.qmp = qmp;
    }

    @Override
    public void changed(MigrationStatus status, MigrationStats stats) {
        console.println("tern: MIGRATION status=" + status.label()
                + (stats.error().isEmpty() ? "" : " error=" + stats.error()));
        if (qmp != null) {
            qmp.emit("MIGRATION", Map.of("status", status.label()));
        }
    }

    @Override
    public void pass(long pass) {
        if (qmp != null) {
            qmp.emit("MIGRATION_PASS", Map.of("pass", pass));
        }
    }
}
