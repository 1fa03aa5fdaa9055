package dev.tern.kernel.plugin;

import dev.tern.spi.Availability;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.Provider;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/** Finds the providers of every {@link ProviderKind} that one class loader offers through {@link ServiceLoader}. */
final class ProviderScan {

    /** The syntax of provider ids. */
    static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]*");

    /**
     * Where a provider class comes from.
     *
     * @param source the jar path or {@code classpath:<location>}
     * @param manifest what the jar's manifest says
     */
    record Origin(String source, PluginManifest manifest) {
    }

    private ProviderScan() {
    }

    /**
     * Instantiates every provider {@code loader} offers.
     *
     * @param where names the loader in errors that cannot be tied to one class, e.g. "plugin jar /x/foo.jar"
     * @param originOf where a provider class comes from; may refuse it by throwing {@link PluginException}
     */
    static List<PluginInfo> scan(ClassLoader loader, String where, Function<Class<?>, Origin> originOf) {
        List<PluginInfo> found = new ArrayList<>();
        for (ProviderKind kind : ProviderKind.values()) {
            Iterator<? extends ServiceLoader.Provider<? extends Provider>> it =
                    ServiceLoader.load(kind.providerType(), loader).stream().iterator();
            while (true) {
                ServiceLoader.Provider<? extends Provider> candidate;
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    candidate = it.next();
                } catch (ServiceConfigurationError e) {
                    throw new PluginException(where + ": broken " + kind.displayName() + " provider registration: "
                            + e.getMessage(), e);
                }
                found.add(describe(kind, candidate, originOf.apply(candidate.type())));
            }
        }
        return found;
    }

    private static PluginInfo describe(ProviderKind kind, ServiceLoader.Provider<? extends Provider> candidate,
                                       Origin origin) {
        String cls = candidate.type().getName();
        String where = kind.displayName() + " provider " + cls + " from " + origin.source();
        Provider p = call(where, "its constructor", candidate::get);
        String id = call(where, "id()", p::id);
        if (id == null || !ID.matcher(id).matches()) {
            throw new PluginException(where + " has id '" + id + "' which does not match " + ID.pattern());
        }
        String description = call(where, "description()", p::description);
        List<ConfigKey> keys = call(where, "configKeys()", p::configKeys);
        Availability availability = call(where, "availability()", p::availability);
        if (description == null || keys == null || keys.stream().anyMatch(Objects::isNull) || availability == null) {
            throw new PluginException(where + " returned null from description(), configKeys() or availability()");
        }
        return new PluginInfo(kind, id, description, origin.manifest().version(), origin.source(),
                origin.manifest().spiVersion(), keys, availability, p);
    }

    private static <T> T call(String where, String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
            // ServiceLoader wraps what the plugin threw; the user needs the plugin's own words.
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            throw new PluginException(where + " failed in " + what + ": " + root, e);
        }
    }
}
