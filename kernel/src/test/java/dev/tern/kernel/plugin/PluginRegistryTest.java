package dev.tern.kernel.plugin;

import dev.tern.kernel.config.ValidatedConfig;
import dev.tern.spi.ConfigException;
import dev.tern.spi.cpu.CpuProvider;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.spi.transport.TransportProvider;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Discovery from the class path (fixtures registered in src/test/resources/META-INF/services) and lookup. */
class PluginRegistryTest {

    private final PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader(), List.of());

    @Test
    void discoversClassPathProvidersOfEveryKind() {
        PluginInfo cpu = registry.find(ProviderKind.CPU, "test-cpu").orElseThrow();
        assertInstanceOf(TestCpuProvider.class, cpu.provider());
        assertEquals("CPU fixture for registry tests", cpu.description());
        assertEquals(PluginManifest.DEV_VERSION, cpu.version());
        assertTrue(cpu.source().startsWith("classpath:"), cpu.source());
        assertEquals(Optional.empty(), cpu.builtAgainst());

        assertEquals(List.of("test-passthrough", "test-uart"),
                registry.all(ProviderKind.DEVICE).stream().map(PluginInfo::id).toList());
        assertTrue(registry.all(ProviderKind.TRANSPORT).isEmpty());
        assertEquals(List.of(ProviderKind.CPU, ProviderKind.DEVICE, ProviderKind.DEVICE),
                registry.all().stream().map(PluginInfo::kind).toList());
    }

    @Test
    void requireReturnsTheRegisteredInstance() {
        CpuProvider cpu = registry.require(CpuProvider.class, "test-cpu");
        assertSame(registry.find(ProviderKind.CPU, "test-cpu").orElseThrow().provider(), cpu);
    }

    @Test
    void requireOfAnUnknownIdListsTheAvailableOnesAndSuggests() {
        PluginException e = assertThrows(PluginException.class, () -> registry.require(DeviceProvider.class, "test-uat"));
        assertEquals("no device provider 'test-uat'; did you mean 'test-uart'?; available: test-passthrough, test-uart",
                e.getMessage());
    }

    @Test
    void requireOfAKindWithNoProvidersSaysSo() {
        PluginException e = assertThrows(PluginException.class, () -> registry.require(TransportProvider.class, "tcp"));
        assertEquals("no transport provider 'tcp'; no transport providers are installed", e.getMessage());
    }

    @Test
    void requireOfAnUnavailableProviderGivesItsReason() {
        PluginException e = assertThrows(PluginException.class,
                () -> registry.require(DeviceProvider.class, "test-passthrough"));
        assertTrue(e.getMessage().startsWith("device 'test-passthrough' from classpath:"), e.getMessage());
        assertTrue(e.getMessage().endsWith("cannot be used here: needs /dev/vfio, which this host lacks"), e.getMessage());
        assertFalse(registry.find(ProviderKind.DEVICE, "test-passthrough").orElseThrow().availability().available());
    }

    @Test
    void requireRejectsANonProviderInterface() {
        assertThrows(IllegalArgumentException.class, () -> registry.require(dev.tern.spi.Provider.class, "test-cpu"));
    }

    @Test
    void configureValidatesAgainstTheProvidersKeys() {
        PluginInfo uart = registry.requireInfo(ProviderKind.DEVICE, "test-uart");

        ValidatedConfig config = registry.configure(uart, Map.of("port", "0x3f8"));

        assertEquals(0x3f8L, config.integer("port"));
        assertEquals(4L, config.integer("irq"));
        assertTrue(config.bool("fifo"));
        assertEquals("device 'test-uart'", config.owner());
    }

    @Test
    void configureRefusesUnknownKeyMissingKeyAndBadValue() {
        PluginInfo uart = registry.requireInfo(ProviderKind.DEVICE, "test-uart");

        ConfigException unknown = assertThrows(ConfigException.class,
                () -> registry.configure(uart, Map.of("port", "1", "iqr", "5")));
        assertEquals("device 'test-uart': unknown config key 'iqr' (value '5'); did you mean 'irq'?; "
                + "known keys: port, irq, fifo, token", unknown.getMessage());

        ConfigException missing = assertThrows(ConfigException.class, () -> registry.configure(uart, Map.of("irq", "3")));
        assertTrue(missing.getMessage().startsWith("device 'test-uart': required config key 'port'"), missing.getMessage());

        ConfigException bad = assertThrows(ConfigException.class, () -> registry.configure(uart, Map.of("port", "com1")));
        assertTrue(bad.getMessage().startsWith("device 'test-uart': config key 'port' has bad value 'com1' (expected INTEGER): "
                + "'com1' is not an integer"), bad.getMessage());
    }

    @Test
    void refusesDuplicateIdsWithinAKindButNotAcrossKinds() {
        PluginInfo a = registry.requireInfo(ProviderKind.DEVICE, "test-uart");
        PluginInfo b = new PluginInfo(ProviderKind.DEVICE, "test-uart", "", "9", "/plugins/other.jar", Optional.empty(),
                List.of(), a.availability(), new TestDeviceProvider());

        PluginException e = assertThrows(PluginException.class, () -> PluginRegistry.of(List.of(a, b)));
        assertTrue(e.getMessage().contains(a.source()) && e.getMessage().contains("/plugins/other.jar"), e.getMessage());

        PluginInfo cpuNamedLikeDevice = new PluginInfo(ProviderKind.CPU, "test-uart", "", "dev", "x", Optional.empty(),
                List.of(), a.availability(), new TestCpuProvider());
        assertEquals(2, PluginRegistry.of(List.of(a, cpuNamedLikeDevice)).all().size());
    }

    @Test
    void renderListsIdsVersionsSourcesAndKeysWithSecretsMasked() {
        String text = registry.render();

        assertTrue(text.contains("CPU providers (dev.tern.spi.cpu.CpuProvider):\n  test-cpu  dev  - CPU fixture"), text);
        assertTrue(text.contains("      port : INTEGER (required)  I/O port base\n"), text);
        assertTrue(text.contains("      irq : INTEGER = 4  interrupt line\n"), text);
        assertTrue(text.contains("      token : STRING = **** [secret]  access token\n"), text);
        assertFalse(text.contains("s3cret-default"), text);
        assertTrue(text.contains("UNAVAILABLE: needs /dev/vfio"), text);
        assertTrue(text.contains("Transport providers (dev.tern.spi.transport.TransportProvider):\n  (none)\n"), text);
    }

    @Test
    void providerKindMapsInterfacesBothWays() {
        for (ProviderKind kind : ProviderKind.values()) {
            assertSame(kind, ProviderKind.of(kind.providerType()));
        }
        assertEquals("page codec", ProviderKind.PAGE_CODEC.displayName());
    }
}
