package dev.tern.spi;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * A validated configuration handed to a provider: only declared keys appear, required keys are
 * present, and every value parses as its declared type.
 */
public interface Config {

    /** The value of {@code key}, parsed as its declared type, or the key's default; empty if neither. */
    Optional<Object> value(String key);

    /** The keys explicitly set (not defaults). */
    Set<String> explicitKeys();

    /** String value (or default). */
    default String string(String key) {
        return value(key).map(Object::toString).orElseThrow(() -> missing(key));
    }

    /** Integer value (or default). */
    default long integer(String key) {
        return (Long) value(key).orElseThrow(() -> missing(key));
    }

    /** Size in bytes (or default). */
    default long size(String key) {
        return (Long) value(key).orElseThrow(() -> missing(key));
    }

    /** Boolean value (or default). */
    default boolean bool(String key) {
        return (Boolean) value(key).orElseThrow(() -> missing(key));
    }

    /** Duration value (or default). */
    default Duration duration(String key) {
        return (Duration) value(key).orElseThrow(() -> missing(key));
    }

    /** Path value (or default). */
    default Path path(String key) {
        return (Path) value(key).orElseThrow(() -> missing(key));
    }

    /** The value of an optional key without default. */
    default Optional<String> optionalString(String key) {
        return value(key).map(Object::toString);
    }

    private static ConfigException missing(String key) {
        return new ConfigException("config key '" + key + "' has no value and no default");
    }
}
