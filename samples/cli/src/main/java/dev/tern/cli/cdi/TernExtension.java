package dev.tern.cli.cdi;

import dev.tern.kernel.plugin.PluginInfo;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.spi.Provider;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.Extension;

import java.util.Objects;

/**
 * Makes every provider of a {@link PluginRegistry} a bean: of its provider interface type and
 * {@link Provider}, qualified {@code @PluginId("<id>")}, returning the registry's own instance.
 * Deliberately not {@code @Default}: an unqualified {@code CpuProvider} injection point would be
 * ambiguous as soon as two CPU plugins are installed, so the id is always required.
 */
public final class TernExtension implements Extension {

    private final PluginRegistry registry;

    /** @param registry the providers to expose, and the registry {@link KernelBeans} produces */
    public TernExtension(PluginRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** The registry whose providers this extension exposes. */
    public PluginRegistry registry() {
        return registry;
    }

    void addProviderBeans(@Observes AfterBeanDiscovery abd) {
        for (PluginInfo info : registry.all()) {
            Provider provider = info.provider();
            abd.addBean()
                    .id("tern-plugin:" + info.kind() + ":" + info.id())
                    // The extension, not the plugin class, so Weld never touches a plugin's class loader.
                    .beanClass(TernExtension.class)
                    .types(Object.class, Provider.class, info.kind().providerType())
                    .qualifiers(PluginId.Literal.of(info.id()), Any.Literal.INSTANCE)
                    // Dependent with no destroy callback: the instance is the registry's, shared and never disposed.
                    .scope(Dependent.class)
                    .createWith(ctx -> provider);
        }
    }
}
