package dev.tern.cli;

import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.QmpArgs;
import dev.tern.kernel.monitor.QmpCommand;
import dev.tern.kernel.monitor.QmpError;
import dev.tern.kernel.monitor.QmpParam;
import dev.tern.kernel.monitor.Reply;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.tern.kernel.monitor.QmpParam.Type.ARRAY;
import static dev.tern.kernel.monitor.QmpParam.Type.BOOLEAN;
import static dev.tern.kernel.monitor.QmpParam.Type.INT;
import static dev.tern.kernel.monitor.QmpParam.Type.STRING;

/**
 * The QMP forms of the migration operations ({@code migrate}, {@code migrate_cancel}, {@code
 * query-migrate}, {@code migrate-set-capabilities} ...), with QAPI's argument names, calling the
 * operations of {@link MigrationCommands}.
 */
final class MigrationQmpCommands {

    private final MigrationCommands migration;

    MigrationQmpCommands(MigrationCommands migration) {
        this.migration = migration;
    }

    void registerOn(Monitor monitor) {
        monitor.registerQmp(new QmpCommand("migrate", List.of(QmpParam.required("uri", STRING),
                QmpParam.optional("blk", BOOLEAN), QmpParam.optional("inc", BOOLEAN),
                QmpParam.optional("detach", BOOLEAN), QmpParam.optional("resume", BOOLEAN)), this::migrate));
        monitor.registerQmp(QmpCommand.of("migrate_cancel", migration::cancel));
        monitor.registerQmp(QmpCommand.of("migrate-start-postcopy", migration::startPostcopy));
        monitor.registerQmp(QmpCommand.of("query-migrate", migration::info));
        monitor.registerQmp(QmpCommand.of("query-migrate-capabilities",
                () -> new MigrationSettings(migration.config(), false)));
        monitor.registerQmp(QmpCommand.of("query-migrate-parameters",
                () -> new MigrationSettings(migration.config(), true)));
        monitor.registerQmp(new QmpCommand("migrate-set-capabilities",
                List.of(QmpParam.required("capabilities", ARRAY)), this::setCapabilities));
        var params = new ArrayList<QmpParam>();
        MigrationSettings.QMP_PARAMETERS.keySet().stream().sorted().forEach(name ->
                params.add(QmpParam.optional(name, name.equals("x-tern-compression") ? STRING : INT)));
        monitor.registerQmp(new QmpCommand("migrate-set-parameters", params, this::setParameters));
    }

    /** Always detached, as QMP's migrate is: progress is followed with query-migrate or MIGRATION events. */
    private Reply migrate(QmpArgs args) throws Exception {
        if (args.bool("inc", false)) {
            throw QmpError.generic("Tern does not migrate disks incrementally (inc): use blk, which copies them whole");
        }
        if (args.bool("resume", false)) {
            return migration.resume(args.string("uri"));
        }
        return migration.migrate(args.string("uri"), true, args.bool("blk", false));
    }

    /** All or nothing: each entry is checked before the settings change. */
    private Reply setCapabilities(QmpArgs args) {
        MigrationConfig next = migration.config();
        for (Object entry : args.array("capabilities")) {
            if (!(entry instanceof Map<?, ?> m)) {
                throw QmpError.generic("Invalid parameter type for 'capabilities[0]', expected: object");
            }
            for (Object key : m.keySet()) {
                if (!key.equals("capability") && !key.equals("state")) {
                    throw QmpError.generic("Parameter '" + key + "' is unexpected");
                }
            }
            if (!(m.get("capability") instanceof String name)) {
                throw QmpError.generic(m.containsKey("capability")
                        ? "Invalid parameter type for 'capability', expected: string" : "Parameter 'capability' is missing");
            }
            if (!(m.get("state") instanceof Boolean state)) {
                throw QmpError.generic(m.containsKey("state")
                        ? "Invalid parameter type for 'state', expected: boolean" : "Parameter 'state' is missing");
            }
            if (!MigrationConfig.CAPABILITIES.contains(name)) {
                throw QmpError.generic("Parameter 'capability' does not accept value '" + name + "'");
            }
            next = next.withCapability(name, state);
        }
        migration.config(next);
        return Reply.NONE;
    }

    /** All or nothing, like QEMU: every value is checked before any applies. */
    private Reply setParameters(QmpArgs args) {
        MigrationConfig next = migration.config();
        for (var e : args.all().entrySet()) {
            next = next.with(MigrationSettings.QMP_PARAMETERS.get(e.getKey()), String.valueOf(e.getValue()));
        }
        for (var e : args.all().entrySet()) {
            migration.setParameter(MigrationSettings.QMP_PARAMETERS.get(e.getKey()), String.valueOf(e.getValue()));
        }
        return Reply.NONE;
    }
}
