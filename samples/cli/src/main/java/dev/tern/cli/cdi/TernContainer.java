package dev.tern.cli.cdi;

import dev.tern.kernel.plugin.PluginRegistry;
import jakarta.enterprise.inject.Instance;
import org.jboss.weld.config.ConfigurationKey;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;

import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A running CDI container holding the kernel's beans, one bean per plugin provider and whatever bean
 * classes the embedding VMM adds. Booted without class-path scanning (no {@code beans.xml} needed):
 * only the classes named here are beans.
 */
public final class TernContainer implements AutoCloseable {

    /** The kernel's own bean classes; kernel services that should be injectable are added here. */
    private static final List<Class<?>> KERNEL_BEANS = List.of(KernelBeans.class, MachineFactory.class);

    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final WeldContainer weld;

    private TernContainer(WeldContainer weld) {
        this.weld = weld;
    }

    /**
     * Boots a container with the kernel beans, {@code registry}'s providers and {@code extraBeans}.
     * An extra bean annotated {@code @Alternative @Priority(n)} replaces the kernel bean of its type.
     */
    public static TernContainer start(PluginRegistry registry, Class<?>... extraBeans) {
        return builder(registry).beans(extraBeans).start();
    }

    /** For containers that need more than {@link #start}: alternatives selected without {@code @Priority}. */
    public static Builder builder(PluginRegistry registry) {
        return new Builder(registry);
    }

    /**
     * The bean of {@code type} with the given qualifiers.
     *
     * @throws IllegalStateException naming the type and qualifiers when there is no such bean or more than one
     */
    public <T> T select(Class<T> type, Annotation... qualifiers) {
        Instance<T> candidates = weld.select(type, qualifiers);
        if (candidates.isUnsatisfied()) {
            throw new IllegalStateException("no bean of type " + type.getName() + " with qualifiers "
                    + Arrays.toString(qualifiers));
        }
        if (candidates.isAmbiguous()) {
            throw new IllegalStateException("more than one bean of type " + type.getName() + " with qualifiers "
                    + Arrays.toString(qualifiers) + "; qualify the lookup or mark one @Alternative @Priority");
        }
        return candidates.get();
    }

    /** Whether the container is still running. */
    public boolean isRunning() {
        return weld.isRunning();
    }

    /** Shuts the container down, destroying its contextual instances. Idempotent. */
    @Override
    public void close() {
        if (weld.isRunning()) {
            weld.shutdown();
        }
    }

    /** Collects bean classes and selected alternatives before booting. */
    public static final class Builder {

        private final PluginRegistry registry;
        // A set: naming a class twice (say, a kernel bean again) must not register it twice.
        private final Set<Class<?>> beans = new LinkedHashSet<>(KERNEL_BEANS);
        private final List<Class<?>> alternatives = new ArrayList<>();

        private Builder(PluginRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /** Adds bean classes. */
        public Builder beans(Class<?>... classes) {
            for (Class<?> c : classes) {
                beans.add(Objects.requireNonNull(c, "bean class"));
            }
            return this;
        }

        /** Adds an {@code @Alternative} bean class and selects it, for alternatives without {@code @Priority}. */
        public Builder alternative(Class<?> alternative) {
            beans.add(Objects.requireNonNull(alternative, "alternative"));
            alternatives.add(alternative);
            return this;
        }

        /** Boots the container. */
        public TernContainer start() {
            Weld weld = new Weld("tern-" + SEQUENCE.incrementAndGet())
                    .disableDiscovery()
                    .skipShutdownHook()
                    // A handful of beans: validating them on one thread is quicker than a pool, and repeatable.
                    .property(ConfigurationKey.CONCURRENT_DEPLOYMENT.get(), false)
                    .addExtension(new TernExtension(registry))
                    .addBeanClasses(beans.toArray(Class<?>[]::new));
            for (Class<?> a : alternatives) {
                weld.addAlternative(a);
            }
            return new TernContainer(weld.initialize());
        }
    }
}
