package dev.tern.kernel.migration;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MigrationConfigTest {

    @Test
    void parametersAndCapabilitiesParseAndLeaveTheOriginalAlone() {
        MigrationConfig c = MigrationConfig.DEFAULT.with("max-bandwidth", "32M").with("downtime-limit", "100")
                .with("xbzrle-cache-size", "8M").with("compression", "LZ4").with("timeout", "60000")
                .withCapability("xbzrle", true).withCapability("events", true);
        assertEquals(32L << 20, c.maxBandwidth());
        assertEquals(100, c.downtimeLimitMs());
        assertEquals(8L << 20, c.xbzrleCacheSize());
        assertEquals("lz4", c.compression());
        assertEquals(60000, c.timeoutMs());
        assertTrue(c.xbzrle() && c.events());
        assertTrue(c.withCapability("auto-converge", true).autoConverge());
        assertFalse(MigrationConfig.DEFAULT.xbzrle());
        assertEquals(300, MigrationConfig.DEFAULT.downtimeLimitMs());
        assertEquals("on".equals("on"), c.capabilities().get("xbzrle"));
        assertEquals("100 ms", c.parameters().get("downtime-limit"));
    }

    @Test
    void multifdIsOffWithTwoChannelsByDefaultAndTakesOneToSixteen() {
        assertFalse(MigrationConfig.DEFAULT.multifd());
        assertEquals(2, MigrationConfig.DEFAULT.multifdChannels());
        MigrationConfig c = MigrationConfig.DEFAULT.withCapability("multifd", true).with("multifd-channels", "16")
                .withCapability("xbzrle", true).with("timeout", "5");
        assertTrue(c.multifd());
        assertEquals(16, c.multifdChannels());
        assertEquals(true, c.capabilities().get("multifd"));
        assertEquals("16", c.parameters().get("multifd-channels"));
        assertMessage(() -> MigrationConfig.DEFAULT.with("multifd-channels", "0"), "multifd-channels must be 1..16");
        assertMessage(() -> MigrationConfig.DEFAULT.with("multifd-channels", "17"), "multifd-channels must be 1..16");
        assertMessage(() -> MigrationConfig.DEFAULT.with("multifd-channels", "99999999999"), "was 2147483647");
        assertMessage(() -> MigrationConfig.DEFAULT.with("multifd-channels", "two"), "not a whole number");
    }

    @Test
    void badValuesSayWhatAndWhere() {
        assertMessage(() -> MigrationConfig.DEFAULT.with("downtime-limit", "0"), "downtime-limit must be 1..");
        assertMessage(() -> MigrationConfig.DEFAULT.with("downtime-limit", "soon"), "'soon' is not a whole number");
        assertMessage(() -> MigrationConfig.DEFAULT.with("xbzrle-cache-size", "1K"), "at least one page");
        assertMessage(() -> MigrationConfig.DEFAULT.with("compression", "z std!"), "none or a page codec id");
        assertMessage(() -> MigrationConfig.DEFAULT.with("max-bandwidth", "-5"), "max-bandwidth");
        assertMessage(() -> MigrationConfig.DEFAULT.with("colour", "blue"), "unknown parameter 'colour'");
        assertMessage(() -> MigrationConfig.DEFAULT.withCapability("postcopy", true), "unknown capability 'postcopy'");
        assertMessage(() -> MigrationUri.parse("tcp"), "not SCHEME:ADDRESS");
        assertEquals(new MigrationUri("unix", "/tmp/a:b"), MigrationUri.parse("unix:/tmp/a:b"));
    }

    private static void assertMessage(Runnable r, String expected) {
        var e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
