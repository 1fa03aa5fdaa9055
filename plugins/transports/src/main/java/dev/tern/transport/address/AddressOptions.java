package dev.tern.transport.address;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An address split at its first {@code ?} into what the transport parses and
 * {@code KEY=VALUE} options joined by {@code &}, each one of the transport's declared keys and
 * given at most once. {@link #over(Config)} lays the options over the transport's configuration,
 * each value parsed as its key's type when read.
 *
 * @param scheme the transport, for messages
 * @param text the whole address as given, for messages
 * @param address the part before {@code ?}
 * @param options the options in the order given
 * @param keys the keys the transport declares
 */
public record AddressOptions(String scheme, String text, String address, Map<String, String> options,
                             List<ConfigKey> keys) {

    /** Longest address accepted, options included: a URI, not a document. */
    public static final int MAX_ADDRESS = 4096;

    public AddressOptions {
        options = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(options));
        keys = List.copyOf(keys);
    }

    /**
     * Splits {@code text}.
     *
     * @throws ConfigException naming the address and the offending option
     */
    public static AddressOptions parse(String scheme, String text, List<ConfigKey> keys) {
        if (text == null || text.isEmpty()) {
            throw new ConfigException(scheme + " address is empty");
        }
        if (text.length() > MAX_ADDRESS) {
            throw new ConfigException(scheme + " address '" + text.substring(0, 64) + "...' is invalid: longer than "
                    + MAX_ADDRESS + " characters");
        }
        int query = text.indexOf('?');
        if (query < 0) {
            return new AddressOptions(scheme, text, text, Map.of(), keys);
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (String pair : text.substring(query + 1).split("&", -1)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw invalid(scheme, text, "option '" + pair + "' is not KEY=VALUE");
            }
            String name = pair.substring(0, eq);
            if (keys.stream().noneMatch(k -> k.name().equals(name))) {
                throw invalid(scheme, text, "unknown option '" + name + "' (known: "
                        + keys.stream().map(ConfigKey::name).toList() + ")");
            }
            if (options.put(name, pair.substring(eq + 1)) != null) {
                throw invalid(scheme, text, "option '" + name + "' given twice");
            }
        }
        return new AddressOptions(scheme, text, text.substring(0, query), options, keys);
    }

    /** The options over {@code base}: an option given in the address wins. */
    public Config over(Config base) {
        return new Overlay(base, this);
    }

    private static ConfigException invalid(String scheme, String text, String why) {
        return new ConfigException(scheme + " address '" + text + "' is invalid: " + why);
    }

    private record Overlay(Config base, AddressOptions given) implements Config {

        @Override
        public Optional<Object> value(String key) {
            String text = given.options().get(key);
            if (text == null) {
                return base.value(key);
            }
            ConfigKey declared = given.keys().stream().filter(k -> k.name().equals(key)).findFirst().orElseThrow();
            try {
                return Optional.of(declared.type().parse(text));
            } catch (IllegalArgumentException e) {
                throw invalid(given.scheme(), given.text(), "option '" + key + "': " + e.getMessage());
            }
        }

        @Override
        public Set<String> explicitKeys() {
            Set<String> all = new HashSet<>(base.explicitKeys());
            all.addAll(given.options().keySet());
            return all;
        }
    }
}
