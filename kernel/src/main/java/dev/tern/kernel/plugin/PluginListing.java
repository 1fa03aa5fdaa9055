package dev.tern.kernel.plugin;

import dev.tern.kernel.config.ValidatedConfig;
import dev.tern.spi.ConfigKey;

import java.util.List;

/** The human-readable listing behind {@code tern plugins}. Sensitive defaults are masked. */
final class PluginListing {

    private PluginListing() {
    }

    static String render(PluginRegistry registry) {
        StringBuilder out = new StringBuilder();
        for (ProviderKind kind : ProviderKind.values()) {
            List<PluginInfo> plugins = registry.all(kind);
            out.append(capitalised(kind.displayName())).append(" providers (").append(kind.providerType().getName())
                    .append("):\n");
            if (plugins.isEmpty()) {
                out.append("  (none)\n");
            }
            for (PluginInfo p : plugins) {
                appendPlugin(out, p);
            }
        }
        return out.toString();
    }

    private static void appendPlugin(StringBuilder out, PluginInfo p) {
        out.append("  ").append(p.id()).append("  ").append(p.version());
        if (!p.description().isBlank()) {
            out.append("  - ").append(p.description());
        }
        out.append('\n');
        out.append("      from ").append(p.source());
        p.builtAgainst().ifPresent(v -> out.append(" (built for SPI ").append(v).append(')'));
        out.append('\n');
        if (!p.availability().available()) {
            out.append("      UNAVAILABLE: ").append(p.availability().reason()).append('\n');
        }
        for (ConfigKey key : p.configKeys()) {
            out.append("      ").append(key.name()).append(" : ").append(key.type());
            if (key.isRequired()) {
                out.append(" (required)");
            } else {
                out.append(" = ").append(key.sensitive() ? ValidatedConfig.MASK : key.defaultValue());
            }
            if (key.sensitive()) {
                out.append(" [secret]");
            }
            if (!key.doc().isBlank()) {
                out.append("  ").append(key.doc());
            }
            out.append('\n');
        }
    }

    private static String capitalised(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
