package dev.tern.cli.cdi;

import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.spi.Provider;
import dev.tern.spi.cpu.CpuProvider;
import dev.tern.spi.device.DeviceProvider;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TernContainerTest {

    private final PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader(), List.of());

    /** A bean of the embedding VMM that needs a CPU plugin and the registry. */
    @Dependent
    public static class CpuUser {
        @Inject
        @PluginId("x86")
        CpuProvider cpu;

        @Inject
        PluginRegistry registry;

        @Inject
        @Any
        Instance<DeviceProvider> devices;
    }

    /** Replaces the kernel's registry bean everywhere, by priority. */
    @Alternative
    @Priority(100)
    @Dependent
    public static class PriorityRegistry {
        static final PluginRegistry EMPTY = PluginRegistry.of(List.of());

        @Produces
        @Singleton
        PluginRegistry registry() {
            return EMPTY;
        }
    }

    /** An alternative without priority: active only when selected through the builder. */
    @Alternative
    @Dependent
    public static class SelectedRegistry {
        static final PluginRegistry EMPTY = PluginRegistry.of(List.of());

        @Produces
        @Singleton
        PluginRegistry registry() {
            return EMPTY;
        }
    }

    /** Would be a bean if the class path were scanned; it must not be. */
    @ApplicationScoped
    public static class NeverAdded {
    }

    @Test
    void injectsProvidersByPluginId() {
        try (TernContainer container = TernContainer.start(registry, CpuUser.class)) {
            CpuUser user = container.select(CpuUser.class);

            assertSame(registry.require(CpuProvider.class, "x86"), user.cpu);
            assertSame(registry, user.registry);
            assertEquals(registry.all(dev.tern.kernel.plugin.ProviderKind.DEVICE).size(), user.devices.stream().count());
            assertSame(registry.require(CpuProvider.class, "x86"),
                    container.select(CpuProvider.class, PluginId.Literal.of("x86")));
        }
    }

    @Test
    void providersAreAlsoBeansOfTypeProvider() {
        try (TernContainer container = TernContainer.start(registry)) {
            Provider uart = container.select(Provider.class, PluginId.Literal.of("uart16550"));
            assertEquals("uart16550", uart.id());
        }
    }

    @Test
    void providersNeedAnIdToBeInjected() {
        try (TernContainer container = TernContainer.start(registry)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> container.select(CpuProvider.class));
            assertTrue(e.getMessage().contains(CpuProvider.class.getName()), e.getMessage());
            assertThrows(IllegalStateException.class,
                    () -> container.select(CpuProvider.class, PluginId.Literal.of("uart16550")));
        }
    }

    @Test
    void aPriorityAlternativeReplacesAKernelBean() {
        try (TernContainer container = TernContainer.start(registry, PriorityRegistry.class, CpuUser.class)) {
            assertSame(PriorityRegistry.EMPTY, container.select(PluginRegistry.class));
            assertSame(PriorityRegistry.EMPTY, container.select(CpuUser.class).registry);
        }
    }

    @Test
    void anAlternativeWithoutPriorityIsInactiveUntilSelected() {
        try (TernContainer plain = TernContainer.start(registry, SelectedRegistry.class)) {
            assertSame(registry, plain.select(PluginRegistry.class));
        }
        try (TernContainer selected = TernContainer.builder(registry).alternative(SelectedRegistry.class).start()) {
            assertSame(SelectedRegistry.EMPTY, selected.select(PluginRegistry.class));
        }
    }

    @Test
    void startsWithoutDiscoveryOrBeansXml() {
        assertEquals(null, getClass().getClassLoader().getResource("META-INF/beans.xml"));
        try (TernContainer container = TernContainer.start(registry, KernelBeans.class)) {
            assertSame(registry, container.select(PluginRegistry.class));
            assertThrows(IllegalStateException.class, () -> container.select(NeverAdded.class));
        }
    }

    @Test
    void containersAreIndependentAndCloseIdempotently() {
        PluginRegistry other = PluginRegistry.of(List.of());
        TernContainer first = TernContainer.start(registry);
        try (TernContainer second = TernContainer.start(other)) {
            assertNotSame(first.select(PluginRegistry.class), second.select(PluginRegistry.class));
        } finally {
            first.close();
        }
        assertFalse(first.isRunning());
        first.close();
    }
}
