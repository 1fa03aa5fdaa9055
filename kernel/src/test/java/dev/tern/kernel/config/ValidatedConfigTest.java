package dev.tern.kernel.config;

import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ValidatedConfigTest {

    private static final String OWNER = "transport 'tcp'";
    private static final List<ConfigKey> KEYS = List.of(
            ConfigKey.required("host", ConfigType.STRING, "peer host"),
            ConfigKey.of("port", ConfigType.INTEGER, "4444", "peer port"),
            ConfigKey.of("timeout", ConfigType.DURATION, "5s", "connect timeout"),
            ConfigKey.of("buffer", ConfigType.SIZE, "64K", "socket buffer"),
            ConfigKey.of("nodelay", ConfigType.BOOLEAN, "on", "TCP_NODELAY"),
            ConfigKey.of("log", ConfigType.PATH, "/tmp/tcp.log", "trace file"),
            ConfigKey.secret("password", "shared secret"),
            new ConfigKey("pin", ConfigType.INTEGER, "1234", "numeric secret", true));

    private static ValidatedConfig of(Map<String, String> raw) {
        return ValidatedConfig.of(OWNER, KEYS, raw);
    }

    @Test
    void parsesExplicitValuesAndFallsBackToDefaults() {
        ValidatedConfig c = of(Map.of("host", "peer", "port", "0x10", "buffer", "1M", "password", "hunter2"));

        assertEquals("peer", c.string("host"));
        assertEquals(16L, c.integer("port"));
        assertEquals(1L << 20, c.size("buffer"));
        assertEquals(Duration.ofSeconds(5), c.duration("timeout"));
        assertTrue(c.bool("nodelay"));
        assertEquals(Path.of("/tmp/tcp.log"), c.path("log"));
        assertEquals(Set.of("host", "port", "buffer", "password"), c.explicitKeys());
        assertEquals(Optional.of(1234L), c.value("pin"));
    }

    @Test
    void unknownKeyNamesOwnerKeyValueKnownKeysAndTheClosest() {
        ConfigException e = assertThrows(ConfigException.class, () -> of(Map.of("host", "h", "timout", "3s")));
        assertEquals("transport 'tcp': unknown config key 'timout' (value '3s'); did you mean 'timeout'?; "
                + "known keys: host, port, timeout, buffer, nodelay, log, password, pin", e.getMessage());
    }

    @Test
    void unknownKeyWithoutACloseMatchOnlyListsKnownKeys() {
        ConfigException e = assertThrows(ConfigException.class, () -> of(Map.of("host", "h", "compression", "lz4")));
        assertFalse(e.getMessage().contains("did you mean"), e.getMessage());
        assertTrue(e.getMessage().contains("'compression' (value 'lz4')"), e.getMessage());
    }

    @Test
    void aMisspeltSecretIsNotEchoed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> of(Map.of("host", "h", "pasword", "hunter2")));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'password'"), e.getMessage());
    }

    @Test
    void aProviderWithoutKeysSaysItAcceptsNone() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ValidatedConfig.of("codec 'raw'", List.of(), Map.of("level", "9")));
        assertEquals("codec 'raw': unknown config key 'level' (value '9'); it accepts no config keys", e.getMessage());
    }

    @Test
    void missingRequiredKeyIsNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> of(Map.of("port", "1")));
        assertEquals("transport 'tcp': required config key 'host' (STRING, peer host) is missing", e.getMessage());
    }

    @Test
    void badValueIncludesTheParsersMessage() {
        ConfigException e = assertThrows(ConfigException.class, () -> of(Map.of("host", "h", "timeout", "soon")));
        assertEquals("transport 'tcp': config key 'timeout' has bad value 'soon' (expected DURATION): "
                + "'soon' is not a duration (e.g. 300ms, 5s, 2m)", e.getMessage());
    }

    @Test
    void badValueOfASensitiveKeyIsNotEchoed() {
        ConfigException e = assertThrows(ConfigException.class, () -> of(Map.of("host", "h", "pin", "12a4")));
        assertFalse(e.getMessage().contains("12a4"), e.getMessage());
        assertNull(e.getCause(), "the parser's exception quotes the value");
        assertTrue(e.getMessage().contains("'pin'"), e.getMessage());
    }

    @Test
    void nullValueIsRefused() {
        Map<String, String> raw = new HashMap<>();
        raw.put("host", null);
        ConfigException e = assertThrows(ConfigException.class, () -> of(raw));
        assertTrue(e.getMessage().contains("'host' has no value"), e.getMessage());
    }

    @Test
    void duplicateDeclarationIsRefused() {
        List<ConfigKey> twice = List.of(ConfigKey.of("a", ConfigType.STRING, "", ""), ConfigKey.of("a", ConfigType.STRING, "", ""));
        ConfigException e = assertThrows(ConfigException.class, () -> ValidatedConfig.of("device 'x'", twice, Map.of()));
        assertTrue(e.getMessage().contains("'a' twice"), e.getMessage());
    }

    @Test
    void askingForAnUndeclaredKeyIsAnError() {
        ValidatedConfig c = of(Map.of("host", "h", "password", "pw"));
        ConfigException e = assertThrows(ConfigException.class, () -> c.value("hots"));
        assertTrue(e.getMessage().contains("'hots'"), e.getMessage());
    }

    @Test
    void toStringMasksSensitiveValuesAndDefaults() {
        ValidatedConfig c = of(Map.of("host", "peer", "password", "hunter2"));

        String text = c.toString();

        assertFalse(text.contains("hunter2"), text);
        assertFalse(text.contains("1234"), text);
        assertTrue(text.startsWith("transport 'tcp' {host=peer, password=****, port=4444 (default)"), text);
        assertTrue(text.contains("pin=**** (default)"), text);
        assertEquals(Map.of("host", "peer", "password", "****"), c.maskedText());
    }
}
