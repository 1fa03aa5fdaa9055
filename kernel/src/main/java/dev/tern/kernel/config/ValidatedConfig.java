package dev.tern.kernel.config;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A configuration checked against the keys its owner declares: no unknown keys, every required key
 * present, every value parsed as its {@link dev.tern.spi.ConfigType}. Values of sensitive keys never
 * appear in {@link #toString()} or in error messages.
 */
public final class ValidatedConfig implements Config {

    /** Shown instead of the value of a sensitive key. */
    public static final String MASK = "****";

    private final String owner;
    private final Map<String, ConfigKey> keys;
    private final Map<String, Object> explicitValues;
    private final Map<String, String> explicitText;
    private final Map<String, Object> defaults;

    private ValidatedConfig(String owner, Map<String, ConfigKey> keys, Map<String, Object> explicitValues,
                            Map<String, String> explicitText, Map<String, Object> defaults) {
        this.owner = owner;
        this.keys = keys;
        this.explicitValues = explicitValues;
        this.explicitText = explicitText;
        this.defaults = defaults;
    }

    /**
     * Validates {@code raw} against {@code keys}.
     *
     * @param owner who the configuration is for, as users name it (e.g. {@code "device 'uart16550'"})
     * @throws ConfigException naming the owner, key and value of the first problem found
     */
    public static ValidatedConfig of(String owner, List<ConfigKey> keys, Map<String, String> raw) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(raw, "raw");
        Map<String, ConfigKey> declared = declared(owner, keys);
        // Sorted so that, with several problems, the one reported does not depend on map order.
        Map<String, String> given = new TreeMap<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            if (e.getKey() == null) {
                throw new ConfigException(owner + ": a config key is missing its name");
            }
            given.put(e.getKey(), e.getValue());
        }
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> text = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : given.entrySet()) {
            ConfigKey key = declared.get(e.getKey());
            if (key == null) {
                throw unknownKey(owner, e.getKey(), e.getValue(), declared);
            }
            values.put(key.name(), parse(owner, key, e.getValue()));
            text.put(key.name(), e.getValue());
        }
        Map<String, Object> defaults = new LinkedHashMap<>();
        for (ConfigKey key : declared.values()) {
            if (values.containsKey(key.name())) {
                continue;
            }
            if (key.isRequired()) {
                throw new ConfigException(owner + ": required config key '" + key.name() + "' (" + key.type()
                        + ", " + key.doc() + ") is missing");
            }
            defaults.put(key.name(), key.type().parse(key.defaultValue()));
        }
        return new ValidatedConfig(owner, declared, Collections.unmodifiableMap(values),
                Collections.unmodifiableMap(text), Collections.unmodifiableMap(defaults));
    }

    private static Map<String, ConfigKey> declared(String owner, List<ConfigKey> keys) {
        Map<String, ConfigKey> declared = new LinkedHashMap<>();
        for (ConfigKey key : keys) {
            Objects.requireNonNull(key, () -> owner + " declares a null config key");
            if (declared.put(key.name(), key) != null) {
                throw new ConfigException(owner + " declares config key '" + key.name() + "' twice");
            }
        }
        return Collections.unmodifiableMap(declared);
    }

    private static ConfigException unknownKey(String owner, String name, String value, Map<String, ConfigKey> declared) {
        Optional<String> guess = EditDistance.closest(name, declared.keySet());
        // A misspelt secret ("pasword=...") must not be echoed just because the name was wrong.
        boolean secretish = guess.map(g -> declared.get(g).sensitive()).orElse(false);
        StringBuilder msg = new StringBuilder(owner).append(": unknown config key '").append(name).append("' (value '")
                .append(secretish ? MASK : value).append("')");
        guess.ifPresent(g -> msg.append("; did you mean '").append(g).append("'?"));
        msg.append(declared.isEmpty() ? "; it accepts no config keys"
                : "; known keys: " + String.join(", ", declared.keySet()));
        return new ConfigException(msg.toString());
    }

    private static Object parse(String owner, ConfigKey key, String value) {
        if (value == null) {
            throw new ConfigException(owner + ": config key '" + key.name() + "' has no value (expected " + key.type() + ")");
        }
        try {
            return key.type().parse(value);
        } catch (IllegalArgumentException e) {
            if (key.sensitive()) {
                // The parser's message quotes the value, so neither it nor the cause may travel on.
                throw new ConfigException(owner + ": config key '" + key.name() + "' has a value that is not a valid "
                        + key.type());
            }
            throw new ConfigException(owner + ": config key '" + key.name() + "' has bad value '" + value
                    + "' (expected " + key.type() + "): " + e.getMessage(), e);
        }
    }

    /** Who this configuration is for. */
    public String owner() {
        return owner;
    }

    /** The keys the owner declares, in declaration order. */
    public List<ConfigKey> keys() {
        return List.copyOf(keys.values());
    }

    @Override
    public Optional<Object> value(String key) {
        if (!keys.containsKey(key)) {
            throw new ConfigException(owner + " asked for config key '" + key + "' which it does not declare; declared: "
                    + String.join(", ", keys.keySet()));
        }
        Object v = explicitValues.get(key);
        return Optional.ofNullable(v != null ? v : defaults.get(key));
    }

    @Override
    public Set<String> explicitKeys() {
        return explicitValues.keySet();
    }

    /** The text form of every value set explicitly, with sensitive values masked; safe to log. */
    public Map<String, String> maskedText() {
        Map<String, String> out = new LinkedHashMap<>();
        explicitText.forEach((k, v) -> out.put(k, keys.get(k).sensitive() ? MASK : v));
        return Collections.unmodifiableMap(out);
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        maskedText().forEach((k, v) -> parts.add(k + "=" + v));
        for (String k : defaults.keySet()) {
            ConfigKey key = keys.get(k);
            parts.add(k + "=" + (key.sensitive() ? MASK : key.defaultValue()) + " (default)");
        }
        return owner + parts.stream().collect(Collectors.joining(", ", " {", "}"));
    }
}
