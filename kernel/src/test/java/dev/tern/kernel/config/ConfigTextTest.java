package dev.tern.kernel.config;

import dev.tern.spi.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigTextTest {

    @Test
    void parsesIdAndOptionsInOrder() {
        ConfigText t = ConfigText.parse("uart16550,port=0x3f8,irq=4");

        assertEquals("uart16550", t.id());
        assertEquals(Map.of("port", "0x3f8", "irq", "4"), t.options());
        assertEquals(List.of("port", "irq"), List.copyOf(t.options().keySet()));
    }

    @Test
    void aBareIdHasNoOptions() {
        assertEquals(new ConfigText("i8042", Map.of()), ConfigText.parse("i8042"));
    }

    @Test
    void doubledCommasAreLiteralCommas() {
        ConfigText t = ConfigText.parse("disk,file=a,,b.img,label=x,,,,y,ro=on");

        assertEquals(Map.of("file", "a,b.img", "label", "x,,y", "ro", "on"), t.options());
    }

    @Test
    void aTrailingEscapedCommaBelongsToTheValue() {
        assertEquals(Map.of("sep", ","), ConfigText.parse("x,sep=,,").options());
    }

    @Test
    void valuesMayContainEqualsSigns() {
        assertEquals(Map.of("cmdline", "console=ttyS0 root=/dev/vda"),
                ConfigText.parse("kernel,cmdline=console=ttyS0 root=/dev/vda").options());
    }

    @Test
    void aKeyWithoutValueMeansOn() {
        assertEquals(Map.of("ro", "on", "x", ""), ConfigText.parse("disk,ro,x=").options());
    }

    @Test
    void formatRoundTrips() {
        ConfigText t = ConfigText.parse("disk,file=a,,b,label=q");
        assertEquals("disk,file=a,,b,label=q", t.format());
        assertEquals(t, ConfigText.parse(t.format()));
    }

    /** Fuzzing finding 4: a key holding an escaped comma was formatted unescaped and parsed back as two options. */
    @Test
    void aKeyWithACommaFormatsEscaped() {
        ConfigText t = ConfigText.parse("dev,a,,b=1");
        assertEquals(Map.of("a,b", "1"), t.options());
        assertEquals("dev,a,,b=1", t.format());
        assertEquals(t, ConfigText.parse(t.format()));
    }

    @Test
    void parseOptionsWithoutId() {
        assertEquals(Map.of("mem", "128M", "smp", "1"), ConfigText.parseOptions("mem=128M,smp=1"));
        assertEquals(Map.of(), ConfigText.parseOptions(""));
    }

    @Test
    void refusesMissingId() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigText.parse("port=0x3f8"));
        assertEquals("option text 'port=0x3f8', column 1: expected an id first, found option 'port=0x3f8'", e.getMessage());
        assertEquals("option text '', column 1: expected an id, found nothing",
                assertThrows(ConfigException.class, () -> ConfigText.parse("")).getMessage());
        assertThrows(ConfigException.class, () -> ConfigText.parse(",a=b"));
    }

    @Test
    void refusesStrayCommaWithItsColumn() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigText.parse("uart,port=1,"));
        assertEquals("option text 'uart,port=1,', column 13: empty option (stray ',')", e.getMessage());
    }

    @Test
    void refusesEmptyKeyAndRepeatedKey() {
        ConfigException empty = assertThrows(ConfigException.class, () -> ConfigText.parse("uart,=1"));
        assertTrue(empty.getMessage().contains("column 6: option without a key"), empty.getMessage());
        ConfigException twice = assertThrows(ConfigException.class, () -> ConfigText.parse("uart,irq=3,irq=4"));
        assertTrue(twice.getMessage().contains("column 12: option 'irq' is given twice"), twice.getMessage());
    }
}
