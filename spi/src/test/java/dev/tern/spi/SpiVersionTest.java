package dev.tern.spi;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpiVersionTest {

    @Test
    void theVersionIsTheOneTheBuildStamped() throws Exception {
        Properties p = new Properties();
        try (InputStream in = SpiVersion.class.getResourceAsStream("spi-version.properties")) {
            p.load(in);
        }
        String built = p.getProperty("version");
        assertFalse(built.contains("$"), "the build did not fill in spi-version.properties: " + built);
        assertEquals(built, SpiVersion.CURRENT.toString());
        assertEquals(SpiVersion.CURRENT, new SpiVersion(SpiVersion.MAJOR, SpiVersion.MINOR));
    }

    @Test
    void sameMajorAndOlderOrEqualMinorRuns() {
        assertTrue(new SpiVersion(1, 0).runsOn(new SpiVersion(1, 3)));
        assertFalse(new SpiVersion(1, 4).runsOn(new SpiVersion(1, 3)));
        assertFalse(new SpiVersion(2, 0).runsOn(new SpiVersion(1, 3)));
        assertFalse(new SpiVersion(0, 9).runsOn(new SpiVersion(1, 3)));
    }

    @Test
    void parseRejectsGarbageWithTheText() {
        var e = assertThrows(IllegalArgumentException.class, () -> SpiVersion.parse("one"));
        assertTrue(e.getMessage().contains("'one'"));
    }

    @Test
    void configTypesParse() {
        assertEquals(128L << 20, ConfigType.SIZE.parse("128M"));
        assertEquals(4096L, ConfigType.SIZE.parse("4096"));
        assertEquals(2L << 30, ConfigType.SIZE.parse("2GiB"));
        assertEquals(0x3f8L, ConfigType.INTEGER.parse("0x3f8"));
        assertEquals(Boolean.TRUE, ConfigType.BOOLEAN.parse("on"));
        assertEquals(java.time.Duration.ofMillis(300), ConfigType.DURATION.parse("300ms"));
        assertThrows(IllegalArgumentException.class, () -> ConfigType.SIZE.parse("12Q"));
        assertThrows(IllegalArgumentException.class, () -> ConfigType.BOOLEAN.parse("maybe"));
    }
}
