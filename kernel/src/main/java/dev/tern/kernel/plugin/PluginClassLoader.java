package dev.tern.kernel.plugin;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The class loader of one plugin jar. It shares exactly two things with the host: the Tern SPI
 * ({@code dev.tern.spi.*}, so provider instances are of the kernel's interface types) and the JDK.
 * Every other class comes from the jar itself, child-first, so neither kernel classes nor the host's
 * libraries (slf4j, Weld, ...) leak into a plugin, and a plugin may bundle its own versions of them.
 */
public final class PluginClassLoader extends URLClassLoader {

    private static final String SPI_PACKAGE = "dev.tern.spi.";

    /** Package name → loader of the JDK module that owns it; {@code null} loader means the boot loader. */
    private static final Map<String, ClassLoader> JDK_PACKAGES = jdkPackages();

    static {
        registerAsParallelCapable();
    }

    private final ClassLoader spiLoader;

    /**
     * @param jar the plugin jar
     * @param spiLoader the loader that defines the host's {@code dev.tern.spi} classes
     */
    public PluginClassLoader(Path jar, ClassLoader spiLoader) {
        super("tern-plugin:" + jar.getFileName(), new URL[] {toUrl(jar)}, ClassLoader.getPlatformClassLoader());
        this.spiLoader = Objects.requireNonNull(spiLoader, "spiLoader");
    }

    private static URL toUrl(Path jar) {
        try {
            return jar.toUri().toURL();
        } catch (IOException e) {
            throw new PluginException("plugin jar " + jar + " has no usable URL: " + e.getMessage(), e);
        }
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                c = locate(name);
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    private Class<?> locate(String name) throws ClassNotFoundException {
        if (name.startsWith(SPI_PACKAGE)) {
            return spiLoader.loadClass(name);
        }
        String pkg = packageOf(name);
        if (name.startsWith("java.") || JDK_PACKAGES.containsKey(pkg)) {
            ClassLoader owner = JDK_PACKAGES.get(pkg);
            return owner != null ? owner.loadClass(name) : getParent().loadClass(name);
        }
        // Child-first: the plugin's own copy wins; there is deliberately no fallback to the host.
        return findClass(name);
    }

    @Override
    public URL getResource(String name) {
        URL own = findResource(name);
        return own != null ? own : getParent().getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        List<URL> all = Collections.list(findResources(name));
        all.addAll(Collections.list(getParent().getResources(name)));
        return Collections.enumeration(all);
    }

    private static String packageOf(String className) {
        int dot = className.lastIndexOf('.');
        return dot < 0 ? "" : className.substring(0, dot);
    }

    private static Map<String, ClassLoader> jdkPackages() {
        Map<String, ClassLoader> packages = new HashMap<>();
        for (Module m : ModuleLayer.boot().modules()) {
            String n = m.getName();
            // Only the JDK's own modules: an application run on the module path also lives in the boot layer.
            if (n.startsWith("java.") || n.startsWith("jdk.")) {
                for (String pkg : m.getPackages()) {
                    packages.put(pkg, m.getClassLoader());
                }
            }
        }
        return Collections.unmodifiableMap(packages);
    }
}
