package dev.tern.kernel.cdi;

import dev.tern.kernel.plugin.PluginRegistry;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
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
    PluginRegistry pluginRegistry(TernExtension extension) {
        return extension.registry();
    }
}
