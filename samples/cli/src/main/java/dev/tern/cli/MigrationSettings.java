package dev.tern.cli;

import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.monitor.Reply;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code info migrate_capabilities} / {@code query-migrate-capabilities} and {@code info
 * migrate_parameters} / {@code query-migrate-parameters}: one view of the migration settings each.
 *
 * @param config the settings
 * @param parameters whether this is the parameters view (else the capabilities view)
 */
record MigrationSettings(MigrationConfig config, boolean parameters) implements Reply {

    /** QMP names of the parameters: QEMU's where QEMU has the same parameter, {@code x-tern-} otherwise. */
    static final Map<String, String> QMP_PARAMETERS = Map.of(
            "max-bandwidth", "max-bandwidth", "downtime-limit", "downtime-limit",
            "xbzrle-cache-size", "xbzrle-cache-size", "multifd-channels", "multifd-channels",
            "x-tern-compression", "compression", "x-tern-timeout", "timeout");

    @Override
    public String human() {
        var sb = new StringBuilder();
        if (parameters) {
            config.parameters().forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
        } else {
            config.capabilities().forEach((k, v) -> sb.append(k).append(": ").append(v ? "on" : "off").append('\n'));
        }
        return sb.toString();
    }

    @Override
    public Object qmp() {
        if (!parameters) {
            var list = new ArrayList<Object>();
            config.capabilities().forEach((k, v) -> {
                var c = new LinkedHashMap<String, Object>();
                c.put("capability", k);
                c.put("state", v);
                list.add(c);
            });
            return list;
        }
        var m = new LinkedHashMap<String, Object>();
        m.put("max-bandwidth", config.maxBandwidth());
        m.put("downtime-limit", config.downtimeLimitMs());
        m.put("xbzrle-cache-size", config.xbzrleCacheSize());
        m.put("multifd-channels", (long) config.multifdChannels());
        m.put("x-tern-compression", config.compression());
        m.put("x-tern-timeout", config.timeoutMs());
        return m;
    }
}
