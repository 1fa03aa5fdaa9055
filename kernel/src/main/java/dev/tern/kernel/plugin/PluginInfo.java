package dev.tern.kernel.plugin;

import dev.tern.spi.Availability;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.Provider;
import dev.tern.spi.SpiVersion;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One discovered provider and where it came from.
 *
 * @param kind the provider kind
 * @param id the provider's id, unique within its kind
 * @param description one line for {@code tern plugins}
 * @param version the jar's {@code Implementation-Version}, or {@code "dev"}
 * @param source the plugin jar's path, or {@code classpath:<location>}
 * @param builtAgainst the SPI version from the jar manifest, when it states one
 * @param configKeys the configuration keys the provider accepts
 * @param availability whether the provider can work on this host
 * @param provider the provider instance
 */
public record PluginInfo(ProviderKind kind, String id, String description, String version, String source,
                         Optional<SpiVersion> builtAgainst, List<ConfigKey> configKeys, Availability availability,
                         Provider provider) {

    public PluginInfo {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(builtAgainst, "builtAgainst");
        configKeys = List.copyOf(configKeys);
        Objects.requireNonNull(availability, "availability");
        Objects.requireNonNull(provider, "provider");
        if (!kind.providerType().isInstance(provider)) {
            throw new IllegalArgumentException(provider.getClass().getName() + " is not a " + kind.providerType().getName());
        }
    }

    /** How users name this provider in messages, e.g. {@code device 'uart16550'}. */
    public String displayName() {
        return kind.displayName() + " '" + id + "'";
    }
}
