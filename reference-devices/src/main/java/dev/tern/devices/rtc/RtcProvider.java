package dev.tern.devices.rtc;

import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.DeviceProvider;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Supplies the MC146818 RTC/CMOS. Its {@code base} is the date the guest sees at power-on: a fixed
 * instant by default so runs are reproducible, or {@code utc} for the host's time at start, which
 * makes the guest's view of the date differ from run to run (replay and fault tolerance then
 * depend on the saved state carrying it).
 */
public final class RtcProvider implements DeviceProvider {

    /** The default guest date at power-on. */
    public static final String DEFAULT_BASE = "2026-01-01T00:00:00Z";

    private static final List<ConfigKey> KEYS = List.of(
            ConfigKey.of("base", ConfigType.STRING, DEFAULT_BASE,
                    "date at power-on: an ISO-8601 instant, or 'utc' for host time (not deterministic)"));

    @Override
    public String id() {
        return "mc146818";
    }

    @Override
    public String description() {
        return "MC146818 RTC and 128-byte CMOS (0x70/0x71, IRQ8) with memory size fields";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return KEYS;
    }

    @Override
    public Device create(DeviceContext context) {
        String base = context.config().string("base");
        long seconds;
        if (base.equalsIgnoreCase("utc")) {
            // host time is an input: recorded, and taken from the log in a replay
            seconds = Math.floorDiv(context.machine().hostClockNanos(), 1_000_000_000L);
        } else {
            try {
                seconds = Instant.parse(base).getEpochSecond();
            } catch (DateTimeParseException e) {
                throw new ConfigException("config key 'base' = '" + base
                        + "' is neither 'utc' nor an ISO-8601 instant like " + DEFAULT_BASE, e);
            }
        }
        if (seconds < Instant.parse("1900-01-01T00:00:00Z").getEpochSecond()
                || seconds > Instant.parse("9999-12-31T23:59:59Z").getEpochSecond()) {
            throw new ConfigException("config key 'base' = '" + base + "' is outside years 1900..9999");
        }
        return new RtcCmos(context, seconds);
    }
}
