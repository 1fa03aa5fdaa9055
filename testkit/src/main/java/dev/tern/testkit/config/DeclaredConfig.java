package dev.tern.testkit.config;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A configuration validated against a provider's declared keys the way the kernel validates it:
 * unknown keys and missing required keys are refused, values are parsed as their declared types.
 */
public final class DeclaredConfig implements Config {

    private final Map<String, ConfigKey> keys = new LinkedHashMap<>();
    private final Map<String, Object> explicit = new HashMap<>();

    /**
     * @throws ConfigException naming the key and value that is wrong
     */
    public DeclaredConfig(String owner, List<ConfigKey> declared, Map<String, String> values) {
        for (ConfigKey k : declared) {
            if (keys.put(k.name(), k) != null) {
                throw new ConfigException(owner + " declares config key '" + k.name() + "' twice");
            }
        }
        for (Map.Entry<String, String> e : values.entrySet()) {
            ConfigKey k = keys.get(e.getKey());
            if (k == null) {
                throw new ConfigException(owner + " has no config key '" + e.getKey() + "' (known: " + keys.keySet() + ")");
            }
            try {
                explicit.put(k.name(), k.type().parse(e.getValue()));
            } catch (IllegalArgumentException ex) {
                throw new ConfigException(owner + " config key '" + k.name() + "': " + ex.getMessage(), ex);
            }
        }
        for (ConfigKey k : declared) {
            if (k.isRequired() && !explicit.containsKey(k.name())) {
                throw new ConfigException(owner + " requires config key '" + k.name() + "'");
            }
        }
    }

    @Override
    public Optional<Object> value(String key) {
        if (explicit.containsKey(key)) {
            return Optional.of(explicit.get(key));
        }
        ConfigKey k = keys.get(key);
        if (k == null) {
            throw new ConfigException("config key '" + key + "' was never declared");
        }
        return k.defaultValue() == null ? Optional.empty() : Optional.of(k.type().parse(k.defaultValue()));
    }

    @Override
    public Set<String> explicitKeys() {
        return Set.copyOf(explicit.keySet());
    }
}
