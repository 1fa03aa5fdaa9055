package dev.tern.spi;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One configuration key a provider accepts, declared as data so that the kernel can validate
 * configurations, list keys in {@code tern plugins} and mask sensitive values in logs.
 *
 * @param name key name: lower case letters, digits, {@code -} and {@code .}
 * @param type the value type
 * @param defaultValue the text form of the default, or {@code null} when the key is required
 * @param doc one line of documentation
 * @param sensitive true for secrets (passwords, keys): never logged or printed
 */
public record ConfigKey(String name, ConfigType type, String defaultValue, String doc, boolean sensitive) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9.-]*");

    public ConfigKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(doc, "doc");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("config key name '" + name + "' must match " + NAME.pattern());
        }
        if (defaultValue != null) {
            type.parse(defaultValue);
        }
    }

    /** An optional key with a default value. */
    public static ConfigKey of(String name, ConfigType type, String defaultValue, String doc) {
        return new ConfigKey(name, type, defaultValue, doc, false);
    }

    /** A key that must be given. */
    public static ConfigKey required(String name, ConfigType type, String doc) {
        return new ConfigKey(name, type, null, doc, false);
    }

    /** A secret: its value is never printed. */
    public static ConfigKey secret(String name, String doc) {
        return new ConfigKey(name, ConfigType.STRING, null, doc, true);
    }

    /** Whether the key must be given. */
    public boolean isRequired() {
        return defaultValue == null;
    }
}
