package dev.tern.testkit.codec;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.Provider;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link Config} validated against a provider's declared keys, as the kernel would hand it over:
 * unknown keys, unparsable values and missing required keys are refused.
 */
public final class ProviderConfig implements Config {

    private final Map<String, Object> values;
    private final Set<String> explicit;

    private ProviderConfig(Map<String, Object> values, Set<String> explicit) {
        this.values = values;
        this.explicit = explicit;
    }

    /** The provider's defaults. */
    public static ProviderConfig defaults(Provider provider) {
        return of(provider, Map.of());
    }

    /** The provider's defaults overridden by {@code settings} (key to text value). */
    public static ProviderConfig of(Provider provider, Map<String, String> settings) {
        Map<String, ConfigKey> declared = new LinkedHashMap<>();
        for (ConfigKey key : provider.configKeys()) {
            declared.put(key.name(), key);
        }
        for (String name : settings.keySet()) {
            if (!declared.containsKey(name)) {
                throw new ConfigException("provider '" + provider.id() + "' has no config key '" + name
                        + "' (declared: " + declared.keySet() + ")");
            }
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (ConfigKey key : declared.values()) {
            String text = settings.getOrDefault(key.name(), key.defaultValue());
            if (text == null) {
                throw new ConfigException("provider '" + provider.id() + "' requires config key '" + key.name() + "'");
            }
            try {
                values.put(key.name(), key.type().parse(text));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("config key '" + key.name() + "': " + e.getMessage(), e);
            }
        }
        return new ProviderConfig(Map.copyOf(values), Set.copyOf(settings.keySet()));
    }

    @Override
    public Optional<Object> value(String key) {
        return Optional.ofNullable(values.get(key));
    }

    @Override
    public Set<String> explicitKeys() {
        return explicit;
    }
}
