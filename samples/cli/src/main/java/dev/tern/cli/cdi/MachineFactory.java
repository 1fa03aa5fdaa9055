package dev.tern.cli.cdi;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.plugin.PluginRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.util.Objects;

/**
 * The kernel service that assembles machines, as a bean. A VMM that wants every machine to carry
 * something extra (a watchdog device, a stats exporter) replaces it with an
 * {@code @Alternative @Priority(n)} subclass instead of patching the kernel.
 */
@Singleton
public class MachineFactory {

    private final PluginRegistry plugins;

    @Inject
    public MachineFactory(PluginRegistry plugins) {
        this.plugins = Objects.requireNonNull(plugins, "plugins");
    }

    /** Creates (but does not start) a machine from {@code spec}. */
    public Machine create(MachineSpec spec) {
        return Machine.create(plugins, spec);
    }

    /** The registry machines take their plugins from. */
    public PluginRegistry plugins() {
        return plugins;
    }
}
