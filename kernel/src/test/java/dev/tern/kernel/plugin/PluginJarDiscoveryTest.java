package dev.tern.kernel.plugin;

import dev.tern.spi.ConfigException;
import dev.tern.spi.Provider;
import dev.tern.spi.SpiVersion;
import dev.tern.spi.device.DeviceProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Discovery of plugin jars compiled and packed during the test. */
class PluginJarDiscoveryTest {

    private static final String DEVICE_SERVICE = DeviceProvider.class.getName();
    private static final String ECHO = "org.example.echo.EchoDevice";

    private static final String ECHO_SOURCE = """
            package org.example.echo;

            import dev.tern.spi.ConfigKey;
            import dev.tern.spi.ConfigType;
            import dev.tern.spi.device.Device;
            import dev.tern.spi.device.DeviceContext;
            import dev.tern.spi.device.DeviceProvider;
            import java.util.List;

            public final class EchoDevice implements DeviceProvider {
                public String id() { return "echo"; }

                /** Reports, from inside the plugin, whether kernel classes leak into it. */
                public String description() {
                    try {
                        Class.forName("dev.tern.kernel.plugin.PluginRegistry");
                        return "sees the kernel";
                    } catch (ClassNotFoundException e) {
                        return "isolated";
                    }
                }

                public List<ConfigKey> configKeys() {
                    return List.of(ConfigKey.of("depth", ConfigType.INTEGER, "16", "queue depth"));
                }

                public Device create(DeviceContext context) { return () -> { }; }
            }
            """;

    /** A plugin's own copy of a library class the host also has: the plugin's copy must win. */
    private static final String BUNDLED_LIBRARY_SOURCE = """
            package org.slf4j;

            public final class LoggerFactory {
                public static final String ORIGIN = "bundled with the plugin";
            }
            """;

    private static final String BAD_ID_SOURCE = """
            package org.example.echo;

            public final class BadIdDevice implements dev.tern.spi.device.DeviceProvider {
                public String id() { return "Echo_2"; }
                public dev.tern.spi.device.Device create(dev.tern.spi.device.DeviceContext c) { return () -> { }; }
            }
            """;

    private static final String FAILING_SOURCE = """
            package org.example.echo;

            public final class FailingDevice implements dev.tern.spi.device.DeviceProvider {
                public FailingDevice() { throw new IllegalStateException("no licence file"); }
                public String id() { return "failing"; }
                public dev.tern.spi.device.Device create(dev.tern.spi.device.DeviceContext c) { return () -> { }; }
            }
            """;

    @TempDir
    static Path work;

    private static Path classes;

    @BeforeAll
    static void compilePlugin() throws IOException {
        classes = TestPluginJar.compile(work.resolve("build"),
                Map.of(ECHO, ECHO_SOURCE, "org.slf4j.LoggerFactory", BUNDLED_LIBRARY_SOURCE,
                        "org.example.echo.BadIdDevice", BAD_ID_SOURCE, "org.example.echo.FailingDevice", FAILING_SOURCE));
    }

    private static Path echoJar(Path dir, String name, Map<String, String> manifest) throws IOException {
        return TestPluginJar.jar(dir.resolve(name), classes, Map.of(DEVICE_SERVICE, ECHO), manifest);
    }

    private static Map<String, String> spi(String version) {
        return Map.of(SpiVersion.MANIFEST_ATTRIBUTE, version);
    }

    private static Path newDir(String name) throws IOException {
        return Files.createDirectories(work.resolve(name));
    }

    @Test
    void loadsAJarInItsOwnIsolatedClassLoader() throws Exception {
        Path dir = newDir("good");
        Path jar = echoJar(dir, "echo.jar", Map.of(SpiVersion.MANIFEST_ATTRIBUTE, "1.0", "Implementation-Version", "2.3.4"));

        PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader(), List.of(dir));

        PluginInfo echo = registry.find(ProviderKind.DEVICE, "echo").orElseThrow();
        assertEquals("2.3.4", echo.version());
        assertEquals(jar.toAbsolutePath().normalize().toString(), echo.source());
        assertEquals(Optional.of(new SpiVersion(1, 0)), echo.builtAgainst());
        assertEquals("isolated", echo.description());

        ClassLoader loader = echo.provider().getClass().getClassLoader();
        PluginClassLoader pluginLoader = assertInstanceOf(PluginClassLoader.class, loader);
        assertSame(Provider.class, pluginLoader.loadClass(Provider.class.getName()), "SPI comes from the parent");
        assertSame(DeviceProvider.class, pluginLoader.loadClass(DEVICE_SERVICE));
        assertThrows(ClassNotFoundException.class, () -> pluginLoader.loadClass(PluginRegistry.class.getName()));
        assertThrows(ClassNotFoundException.class, () -> pluginLoader.loadClass("org.slf4j.Logger"));
        assertSame(List.class, pluginLoader.loadClass("java.util.List"));
        assertSame(javax.tools.ToolProvider.class, pluginLoader.loadClass("javax.tools.ToolProvider"));

        Class<?> bundled = pluginLoader.loadClass("org.slf4j.LoggerFactory");
        assertNotSame(org.slf4j.LoggerFactory.class, bundled);
        assertSame(pluginLoader, bundled.getClassLoader());

        // Class-path fixtures are found alongside the jar's provider.
        assertTrue(registry.find(ProviderKind.CPU, "test-cpu").isPresent());
        assertSame(echo.provider(), registry.require(DeviceProvider.class, "echo"));
    }

    @Test
    void eachJarGetsItsOwnClassLoader() throws Exception {
        Path a = newDir("two-a");
        Path b = newDir("two-b");
        echoJar(a, "echo.jar", spi("1.0"));
        TestPluginJar.jar(b.resolve("other.jar"), TestPluginJar.compile(work.resolve("build-other"), Map.of(
                "org.example.other.OtherDevice", ECHO_SOURCE.replace("org.example.echo", "org.example.other")
                        .replace("EchoDevice", "OtherDevice").replace("\"echo\"", "\"other\""))),
                Map.of(DEVICE_SERVICE, "org.example.other.OtherDevice"), spi("1.0"));

        PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader(), List.of(a, b));

        ClassLoader echo = registry.require(DeviceProvider.class, "echo").getClass().getClassLoader();
        ClassLoader other = registry.require(DeviceProvider.class, "other").getClass().getClassLoader();
        assertNotSame(echo, other);
        assertThrows(ClassNotFoundException.class, () -> other.loadClass(ECHO));
    }

    @Test
    void refusesAJarBuiltForAnotherMajorVersion() throws IOException {
        Path dir = newDir("v2");
        Path jar = echoJar(dir, "future.jar", spi("2.0"));

        PluginException e = assertThrows(PluginException.class,
                () -> PluginRegistry.discover(getClass().getClassLoader(), List.of(dir)));

        assertEquals("plugin jar " + jar.toAbsolutePath().normalize() + " was built for Tern SPI 2.0; this Tern provides SPI " + SpiVersion.CURRENT,
                e.getMessage());
    }

    @Test
    void refusesAJarBuiltForAnOlderMajorVersion() throws IOException {
        Path dir = newDir("v09");
        Path jar = echoJar(dir, "old.jar", spi("0.9"));

        PluginException e = assertThrows(PluginException.class,
                () -> PluginRegistry.discover(getClass().getClassLoader(), List.of(dir)));

        assertTrue(e.getMessage().contains(jar.toAbsolutePath().normalize().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("Tern SPI 0.9; this Tern provides SPI " + SpiVersion.CURRENT), e.getMessage());
    }

    @Test
    void refusesAJarNeedingANewerMinorVersion() throws IOException {
        Path dir = newDir("v11");
        String newer = SpiVersion.MAJOR + "." + (SpiVersion.MINOR + 1);
        echoJar(dir, "newer.jar", spi(newer));

        PluginException e = assertThrows(PluginException.class,
                () -> PluginRegistry.discover(getClass().getClassLoader(), List.of(dir)));

        assertTrue(e.getMessage().contains("Tern SPI " + newer + "; this Tern provides SPI " + SpiVersion.CURRENT), e.getMessage());
    }

    @Test
    void refusesAJarThatStatesNoSpiVersion() throws IOException {
        Path dir = newDir("unversioned");
        Path jar = echoJar(dir, "anon.jar", Map.of());

        PluginException e = assertThrows(PluginException.class,
                () -> PluginRegistry.discover(getClass().getClassLoader(), List.of(dir)));

        assertTrue(e.getMessage().startsWith("plugin jar " + jar.toAbsolutePath().normalize()), e.getMessage());
        assertTrue(e.getMessage().contains("no " + SpiVersion.MANIFEST_ATTRIBUTE), e.getMessage());
        assertTrue(e.getMessage().contains("SPI " + SpiVersion.CURRENT), e.getMessage());
    }

    @Test
    void refusesAMalformedSpiVersion() throws IOException {
        Path dir = newDir("malformed");
        echoJar(dir, "odd.jar", spi("one"));

        PluginException e = assertThrows(PluginException.class,
                () -> PluginRegistry.discover(getClass().getClassLoader(), List.of(dir)));

        assertTrue(e.getMessage().contains("odd.jar"), e.getMessage());
        assertTrue(e.getMessage().contains("'one'"), e.getMessage());
    }

    @Test
    void refusesDuplicateIdsNamingBothJars() throws IOException {
        Path dir = newDir("dupes");
        Path first = echoJar(dir, "a-echo.jar", spi("1.0"));
        Path second = echoJar(dir, "b-echo.jar", spi("1.0"));

        PluginException e = assertThrows(PluginException.class,
                () -> PluginRegistry.discover(getClass().getClassLoader(), List.of(dir)));

        assertTrue(e.getMessage().contains("device 'echo'"), e.getMessage());
        assertTrue(e.getMessage().contains(first.toAbsolutePath().normalize().toString()), e.getMessage());
        assertTrue(e.getMessage().contains(second.toAbsolutePath().normalize().toString()), e.getMessage());
    }

    @Test
    void refusesAMissingPluginDirectory() {
        Path missing = work.resolve("no-such-dir");

        PluginException e = assertThrows(PluginException.class,
                () -> PluginRegistry.discover(getClass().getClassLoader(), List.of(missing)));

        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void refusesAProviderRegistrationNamingAMissingClass() throws IOException {
        Path dir = newDir("broken");
        Path jar = TestPluginJar.jar(dir.resolve("broken.jar"), classes,
                Map.of(DEVICE_SERVICE, "org.example.echo.NoSuchDevice"), spi("1.0"));

        PluginException e = assertThrows(PluginException.class,
                () -> PluginRegistry.discover(getClass().getClassLoader(), List.of(dir)));

        assertTrue(e.getMessage().contains(jar.toAbsolutePath().normalize().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("NoSuchDevice"), e.getMessage());
    }

    @Test
    void checksTheSpiVersionOfClassPathJarsThatStateOne() throws Exception {
        Path jar = echoJar(newDir("cp-v2"), "cp-future.jar", spi("2.0"));
        try (URLClassLoader cp = new URLClassLoader(new URL[] {jar.toUri().toURL()}, getClass().getClassLoader())) {
            PluginException e = assertThrows(PluginException.class, () -> PluginRegistry.discover(cp, List.of()));
            assertTrue(e.getMessage().startsWith("classpath:" + jar), e.getMessage());
            assertTrue(e.getMessage().contains("Tern SPI 2.0; this Tern provides SPI " + SpiVersion.CURRENT), e.getMessage());
        }
    }

    @Test
    void acceptsClassPathJarsThatStateNoSpiVersion() throws Exception {
        Path jar = echoJar(newDir("cp-plain"), "cp-plain.jar", Map.of());
        try (URLClassLoader cp = new URLClassLoader(new URL[] {jar.toUri().toURL()}, getClass().getClassLoader())) {
            PluginInfo echo = PluginRegistry.discover(cp, List.of()).find(ProviderKind.DEVICE, "echo").orElseThrow();
            assertEquals("classpath:" + jar, echo.source());
            assertEquals(PluginManifest.DEV_VERSION, echo.version());
            assertEquals(Optional.empty(), echo.builtAgainst());
        }
    }

    @Test
    void validatesConfigurationOfAJarProvider() throws IOException {
        Path dir = newDir("configured");
        echoJar(dir, "echo.jar", spi("1.0"));
        PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader(), List.of(dir));
        PluginInfo echo = registry.requireInfo(ProviderKind.DEVICE, "echo");

        assertEquals(32L, registry.configure(echo, Map.of("depth", "32")).integer("depth"));
        ConfigException e = assertThrows(ConfigException.class, () -> registry.configure(echo, Map.of("deph", "32")));
        assertTrue(e.getMessage().contains("did you mean 'depth'"), e.getMessage());
    }

    @Test
    void refusesAMalformedIdNamingTheJar() throws IOException {
        Path dir = newDir("bad-id");
        Path jar = TestPluginJar.jar(dir.resolve("bad.jar"), classes,
                Map.of(DEVICE_SERVICE, "org.example.echo.BadIdDevice"), spi("1.0"));

        PluginException e = assertThrows(PluginException.class,
                () -> PluginRegistry.discover(getClass().getClassLoader(), List.of(dir)));

        assertTrue(e.getMessage().contains("'Echo_2'"), e.getMessage());
        assertTrue(e.getMessage().contains(jar.toAbsolutePath().normalize().toString()), e.getMessage());
    }

    @Test
    void reportsAProviderWhoseConstructorFails() throws IOException {
        Path dir = newDir("failing");
        TestPluginJar.jar(dir.resolve("failing.jar"), classes,
                Map.of(DEVICE_SERVICE, "org.example.echo.FailingDevice"), spi("1.0"));

        PluginException e = assertThrows(PluginException.class,
                () -> PluginRegistry.discover(getClass().getClassLoader(), List.of(dir)));

        assertTrue(e.getMessage().contains("org.example.echo.FailingDevice from "), e.getMessage());
        assertTrue(e.getMessage().contains("failing.jar"), e.getMessage());
        assertTrue(e.getMessage().contains("no licence file"), e.getMessage());
    }

    @Test
    void refusesAFileThatIsNotAJar() throws IOException {
        Path dir = newDir("corrupt");
        Path jar = Files.writeString(dir.resolve("corrupt.jar"), "not a zip file");

        PluginException e = assertThrows(PluginException.class,
                () -> PluginRegistry.discover(getClass().getClassLoader(), List.of(dir)));

        assertTrue(e.getMessage().contains(jar.toAbsolutePath().normalize().toString()), e.getMessage());
    }

    @Test
    void theSameDirectoryListedTwiceIsScannedOnce() throws IOException {
        Path dir = newDir("twice");
        echoJar(dir, "echo.jar", spi("1.0"));

        PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader(), List.of(dir, dir.resolve(".")));

        assertTrue(registry.find(ProviderKind.DEVICE, "echo").isPresent());
    }
}
