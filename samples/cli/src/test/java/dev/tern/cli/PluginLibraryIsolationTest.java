package dev.tern.cli;

import dev.tern.kernel.plugin.PluginClassLoader;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.spi.Provider;
import dev.tern.spi.SpiVersion;
import dev.tern.spi.device.DeviceProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A plugin that bundles the real slf4j-api 1.7.36 — Tern itself runs slf4j 2.0 — with a 1.7-style
 * binding of its own ({@code org.slf4j.impl.StaticLoggerBinder}, which slf4j 2.0 ignores) loads in its
 * isolated class loader and logs through its own copy, while Tern's logging stays on its own.
 */
class PluginLibraryIsolationTest {

    private static final String OLD_SLF4J = "slf4j-api-1.7.36.jar";

    private static final Map<String, String> SOURCES = Map.of(
            "org.example.oldlog.OldLogDevice", """
            package org.example.oldlog;

            import dev.tern.spi.device.Device;
            import dev.tern.spi.device.DeviceContext;
            import dev.tern.spi.device.DeviceProvider;
            import org.slf4j.LoggerFactory;

            public final class OldLogDevice implements DeviceProvider {
                public String id() { return "old-log"; }

                /** The logger factory slf4j picked for this plugin. */
                public String description() {
                    return LoggerFactory.getILoggerFactory().getClass().getName();
                }

                public Device create(DeviceContext context) {
                    LoggerFactory.getLogger(OldLogDevice.class).info("created {}", context.instanceName());
                    return () -> { };
                }
            }
            """,
            "org.example.oldlog.RecordingFactory", """
            package org.example.oldlog;

            import java.lang.reflect.Proxy;
            import java.util.List;
            import java.util.concurrent.CopyOnWriteArrayList;
            import org.slf4j.ILoggerFactory;
            import org.slf4j.Logger;

            public final class RecordingFactory implements ILoggerFactory {
                public static final List<String> MESSAGES = new CopyOnWriteArrayList<>();

                public Logger getLogger(String name) {
                    return (Logger) Proxy.newProxyInstance(RecordingFactory.class.getClassLoader(),
                            new Class<?>[] {Logger.class}, (proxy, method, args) -> switch (method.getName()) {
                                case "getName" -> name;
                                case "toString" -> "RecordingLogger(" + name + ")";
                                case "hashCode" -> System.identityHashCode(proxy);
                                case "equals" -> proxy == args[0];
                                case "info" -> {
                                    MESSAGES.add(name + " " + args[0] + (args.length > 1 ? " " + args[1] : ""));
                                    yield null;
                                }
                                default -> method.getReturnType() == boolean.class ? Boolean.TRUE : null;
                            });
                }
            }
            """,
            "org.slf4j.impl.StaticLoggerBinder", """
            package org.slf4j.impl;

            import org.example.oldlog.RecordingFactory;
            import org.slf4j.ILoggerFactory;
            import org.slf4j.spi.LoggerFactoryBinder;

            /** The slf4j 1.x binding mechanism (slf4j 2 no longer looks for this class). */
            public final class StaticLoggerBinder implements LoggerFactoryBinder {
                public static String REQUESTED_API_VERSION = "1.6.99";
                private static final StaticLoggerBinder SINGLETON = new StaticLoggerBinder();
                private final ILoggerFactory factory = new RecordingFactory();

                public static StaticLoggerBinder getSingleton() { return SINGLETON; }
                public ILoggerFactory getLoggerFactory() { return factory; }
                public String getLoggerFactoryClassStr() { return RecordingFactory.class.getName(); }
            }
            """);

    @TempDir
    Path dir;

    @Test
    void aPluginBundlingAnOlderSlf4jLogsThroughItsOwnCopyAndTernKeepsItsOwn() throws Exception {
        Path oldSlf4j = Path.of("target", "plugin-libs", OLD_SLF4J);
        assertTrue(Files.isReadable(oldSlf4j), oldSlf4j.toAbsolutePath() + " (copied by this module's pom)");
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        pack(compile(oldSlf4j), oldSlf4j, plugins.resolve("old-log.jar"));

        PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader(), List.of(plugins));
        DeviceProvider device = registry.require(DeviceProvider.class, "old-log");
        var loader = assertInstanceOf(PluginClassLoader.class, device.getClass().getClassLoader());

        // The plugin's slf4j is its own 1.7: the 2.0-only provider interface does not exist for it.
        Class<?> pluginFactory = loader.loadClass("org.slf4j.LoggerFactory");
        assertNotSame(org.slf4j.LoggerFactory.class, pluginFactory);
        assertEquals(loader, pluginFactory.getClassLoader());
        assertThrows(ClassNotFoundException.class, () -> loader.loadClass("org.slf4j.spi.SLF4JServiceProvider"));
        assertEquals("org.example.oldlog.RecordingFactory", device.description(), "slf4j 1.7 bound the plugin's own binding");

        // It works: creating the device logs through the plugin's binding...
        var harness = dev.tern.testkit.DeviceHarness.of(device, Map.of());
        harness.start(device);
        @SuppressWarnings("unchecked")
        List<String> messages = (List<String>) loader.loadClass("org.example.oldlog.RecordingFactory").getField("MESSAGES").get(null);
        assertEquals(1, messages.size(), messages.toString());
        assertTrue(messages.getFirst().startsWith("org.example.oldlog.OldLogDevice created {} "), messages.toString());

        // ...and Tern's own logging still runs on slf4j 2 with its own provider.
        assertEquals("org.slf4j.simple.SimpleLoggerFactory", org.slf4j.LoggerFactory.getILoggerFactory().getClass().getName());
        org.slf4j.LoggerFactory.getLogger(getClass()).debug("host logging still works");
    }

    private Path compile(Path oldSlf4j) throws IOException, URISyntaxException {
        Path src = dir.resolve("src");
        Path out = Files.createDirectories(dir.resolve("classes"));
        List<Path> files = new ArrayList<>();
        for (var e : SOURCES.entrySet()) {
            Path file = src.resolve(e.getKey().replace('.', '/') + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.getValue());
            files.add(file);
        }
        Path spi = Path.of(Provider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        var diagnostics = new DiagnosticCollector<JavaFileObject>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
            List<String> options = List.of("-classpath", spi + java.io.File.pathSeparator + oldSlf4j, "-d", out.toString(),
                    "-proc:none");
            assertTrue(javac.getTask(null, fm, diagnostics, options, null, fm.getJavaFileObjectsFromPaths(files)).call(),
                    diagnostics.getDiagnostics().toString());
        }
        return out;
    }

    /** The plugin's classes plus the old slf4j's classes (shaded in, as a plugin build would). */
    private static void pack(Path classes, Path oldSlf4j, Path jar) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue(SpiVersion.MANIFEST_ATTRIBUTE, SpiVersion.CURRENT.toString());
        try (OutputStream file = Files.newOutputStream(jar);
             JarOutputStream out = new JarOutputStream(file, manifest);
             Stream<Path> walk = Files.walk(classes);
             JarFile library = new JarFile(oldSlf4j.toFile())) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(p));
                out.closeEntry();
            }
            for (Enumeration<JarEntry> entries = library.entries(); entries.hasMoreElements(); ) {
                JarEntry e = entries.nextElement();
                if (!e.isDirectory() && e.getName().endsWith(".class") && !e.getName().startsWith("org/slf4j/impl/")) {
                    out.putNextEntry(new JarEntry(e.getName()));
                    try (var in = library.getInputStream(e)) {
                        in.transferTo(out);
                    }
                    out.closeEntry();
                }
            }
            out.putNextEntry(new JarEntry("META-INF/services/" + DeviceProvider.class.getName()));
            out.write("org.example.oldlog.OldLogDevice\n".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
    }
}
