package dev.tern.cli.cdi;

import dev.tern.kernel.plugin.PluginRegistry;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Singleton;

/**
 * Producers of the kernel's own services. A sample VMM replaces one by adding a bean class marked
 * {@code @Alternative @Priority(n)} with a producer (or bean) of the same type.
 */
@Dependent
public class KernelBeans {

    /** The plugin registry the container was started with. */
    @Produces
    @Singleton
    PluginRegistry pluginRegistry(BeanManager beans) {
        // Looked up rather than injected: an injected extension would need a client proxy, and it is final.
        return beans.getExtension(TernExtension.class).registry();
    }
}
