package dev.tern.kernel.plugin;

import dev.tern.kernel.config.EditDistance;
import dev.tern.kernel.config.ValidatedConfig;
import dev.tern.spi.Provider;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Every provider this Tern can use: those on the class path and those in plugin directories, found
 * once at start-up and immutable afterwards.
 */
public final class PluginRegistry {

    private final Map<ProviderKind, Map<String, PluginInfo>> byKind;

    private PluginRegistry(Map<ProviderKind, Map<String, PluginInfo>> byKind) {
        this.byKind = byKind;
    }

    /**
     * Finds the providers {@code classpath} offers through {@link java.util.ServiceLoader}, then loads each
     * {@code *.jar} of each plugin directory in its own {@link PluginClassLoader}. Other files and
     * sub-directories of a plugin directory are ignored.
     *
     * @throws PluginException naming the jar (or class-path location) of a plugin built for an incompatible
     *         SPI, of a plugin-directory jar that states no SPI version, of a provider with a malformed id or
     *         one that fails to load, and both sources of a duplicate id
     */
    public static PluginRegistry discover(ClassLoader classpath, List<Path> pluginDirs) {
        Objects.requireNonNull(classpath, "classpath");
        Objects.requireNonNull(pluginDirs, "pluginDirs");
        List<PluginInfo> found = new ArrayList<>(ProviderScan.scan(classpath, "class path", classpathOrigins()));
        ClassLoader spiLoader = Provider.class.getClassLoader();
        // A directory named twice (or a jar reached twice) must not look like a duplicate plugin.
        Set<Path> jars = new LinkedHashSet<>();
        for (Path dir : pluginDirs) {
            jars.addAll(jarsIn(dir));
        }
        for (Path jar : jars) {
            found.addAll(scanJar(jar, spiLoader));
        }
        return of(found);
    }

    /**
     * A registry of already described providers (e.g. built by a test or an embedding application).
     *
     * @throws PluginException when two providers of one kind share an id
     */
    public static PluginRegistry of(List<PluginInfo> plugins) {
        Map<ProviderKind, Map<String, PluginInfo>> byKind = new EnumMap<>(ProviderKind.class);
        for (ProviderKind kind : ProviderKind.values()) {
            byKind.put(kind, new TreeMap<>());
        }
        for (PluginInfo info : plugins) {
            PluginInfo earlier = byKind.get(info.kind()).putIfAbsent(info.id(), info);
            if (earlier != null) {
                throw new PluginException("duplicate " + info.displayName() + ": provided by both "
                        + earlier.source() + " (" + earlier.provider().getClass().getName() + ") and "
                        + info.source() + " (" + info.provider().getClass().getName() + ")");
            }
        }
        byKind.replaceAll((k, m) -> Collections.unmodifiableMap(m));
        return new PluginRegistry(byKind);
    }

    private static List<PluginInfo> scanJar(Path jar, ClassLoader spiLoader) {
        String what = "plugin jar " + jar;
        PluginManifest manifest = PluginManifest.read(jar);
        manifest.requireCompatible(what, true);
        ProviderScan.Origin origin = new ProviderScan.Origin(jar.toString(), manifest);
        // Never closed: the providers' classes must stay loadable for as long as the process may use them.
        PluginClassLoader loader = new PluginClassLoader(jar, spiLoader);
        return ProviderScan.scan(loader, what, type -> origin);
    }

    private static List<Path> jarsIn(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new PluginException("plugin directory " + dir + " does not exist or is not a directory");
        }
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*.jar")) {
            for (Path p : entries) {
                if (Files.isRegularFile(p)) {
                    jars.add(p.toAbsolutePath().normalize());
                }
            }
        } catch (IOException e) {
            throw new PluginException("cannot list plugin directory " + dir + ": " + e.getMessage(), e);
        }
        // Sorted so that discovery order, and so any error reported, is the same on every run.
        jars.sort(Comparator.naturalOrder());
        return jars;
    }

    private static Function<Class<?>, ProviderScan.Origin> classpathOrigins() {
        Map<Path, ProviderScan.Origin> byLocation = new HashMap<>();
        return type -> {
            Optional<Path> location = locationOf(type);
            if (location.isEmpty()) {
                return new ProviderScan.Origin("classpath:" + type.getName(), PluginManifest.NONE);
            }
            return byLocation.computeIfAbsent(location.get(), loc -> {
                String source = "classpath:" + loc;
                PluginManifest manifest = PluginManifest.read(loc);
                manifest.requireCompatible(source, false);
                return new ProviderScan.Origin(source, manifest);
            });
        };
    }

    private static Optional<Path> locationOf(Class<?> type) {
        CodeSource cs = type.getProtectionDomain().getCodeSource();
        if (cs == null || cs.getLocation() == null || !"file".equals(cs.getLocation().getProtocol())) {
            return Optional.empty();
        }
        try {
            return Optional.of(Path.of(cs.getLocation().toURI()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Every provider, by kind then id. */
    public List<PluginInfo> all() {
        return byKind.values().stream().flatMap(m -> m.values().stream()).toList();
    }

    /** The providers of one kind, by id. */
    public List<PluginInfo> all(ProviderKind kind) {
        return List.copyOf(byKind.get(kind).values());
    }

    /** The provider of {@code kind} named {@code id}, if any. */
    public Optional<PluginInfo> find(ProviderKind kind, String id) {
        return Optional.ofNullable(byKind.get(kind).get(id));
    }

    /**
     * The description of a usable provider.
     *
     * @throws PluginException listing the available ids when there is no such provider, or giving the
     *         reason when it cannot work on this host
     */
    public PluginInfo requireInfo(ProviderKind kind, String id) {
        Map<String, PluginInfo> ofKind = byKind.get(kind);
        PluginInfo info = ofKind.get(id);
        if (info == null) {
            StringBuilder msg = new StringBuilder("no ").append(kind.displayName()).append(" provider '").append(id)
                    .append("'");
            if (id != null) {
                EditDistance.closest(id, ofKind.keySet()).ifPresent(g -> msg.append("; did you mean '").append(g).append("'?"));
            }
            msg.append(ofKind.isEmpty() ? "; no " + kind.displayName() + " providers are installed"
                    : "; available: " + String.join(", ", ofKind.keySet()));
            throw new PluginException(msg.toString());
        }
        if (!info.availability().available()) {
            throw new PluginException(info.displayName() + " from " + info.source() + " cannot be used here: "
                    + info.availability().reason());
        }
        return info;
    }

    /**
     * The usable provider of interface {@code kind} named {@code id}.
     *
     * @throws PluginException as {@link #requireInfo}
     * @throws IllegalArgumentException when {@code kind} is not a provider interface
     */
    public <P extends Provider> P require(Class<P> kind, String id) {
        return kind.cast(requireInfo(ProviderKind.of(kind), id).provider());
    }

    /**
     * Validates a raw configuration for {@code plugin}.
     *
     * @throws dev.tern.spi.ConfigException naming the plugin, key and value of what is wrong
     */
    public ValidatedConfig configure(PluginInfo plugin, Map<String, String> raw) {
        return ValidatedConfig.of(plugin.displayName(), plugin.configKeys(), raw);
    }

    /** The text of {@code tern plugins}: every provider with its version, source and config keys. */
    public String render() {
        return PluginListing.render(this);
    }
}
