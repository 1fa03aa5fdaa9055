package dev.tern.testkit;

import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceProvider;
import dev.tern.spi.state.StateSection;
import dev.tern.spi.state.Subsection;
import dev.tern.testkit.io.RangeMmioSpace;
import dev.tern.testkit.state.DeepEquality;
import dev.tern.testkit.state.StateRecordCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The contract every device honours. A device's test class extends this, supplies its provider and
 * a configuration, and inherits: realize succeeds; reset is idempotent; every section saves,
 * survives a generic record round trip and loads; configuration keys are declared as data; and a
 * deterministic fuzz of guest accesses and clock advances never throws outside the
 * {@link IllegalArgumentException} family and never hangs.
 */
public abstract class DeviceContract {

    /** Guest accesses the fuzz test makes. */
    protected static final int FUZZ_OPERATIONS = 100_000;

    private final List<Device> started = new ArrayList<>();

    /** The provider under test. */
    protected abstract DeviceProvider provider();

    /** The configuration the contract tests use; by default none (all defaults). */
    protected Map<String, String> config() {
        return Map.of();
    }

    /** Seed of the fuzz test; fixed so a failure reproduces. */
    protected long fuzzSeed() {
        return 0x7e4e_2026L;
    }

    /** A harness around a fresh device; override to add companions (e.g. an interrupt controller). */
    protected DeviceHarness harness() {
        return DeviceHarness.of(provider(), config());
    }

    /** Creates, realizes and resets a device in {@code h}; it is powered off after the test. */
    protected Device start(DeviceHarness h) {
        Device d = h.start(provider());
        started.add(d);
        return d;
    }

    @AfterEach
    void powerOffStartedDevices() {
        for (Device d : started) {
            d.powerOff();
        }
        started.clear();
    }

    @Test
    void realizeSucceedsAndClaimsSomething() {
        DeviceHarness h = harness();
        Device d = start(h);
        assertNotNull(d);
        assertFalse(h.ports().claimedPorts().isEmpty() && h.mmio().mappings().isEmpty() && d.sections().isEmpty(),
                "a device should claim ports, MMIO or have state");
    }

    @Test
    void resetIsIdempotent() {
        DeviceHarness h = harness();
        Device d = start(h);
        d.reset();
        List<Record> once = saveAll(d);
        d.reset();
        List<Record> twice = saveAll(d);
        assertNull(DeepEquality.firstDifference(once, twice), "state differs after a second reset");
    }

    @Test
    void everySectionRoundTripsThroughARecordStream() {
        DeviceHarness h = harness();
        Device d = start(h);
        exercise(h, d, new Random(fuzzSeed()), 2_000);
        d.pause();
        for (StateSection<?> s : d.sections()) {
            roundTrip(s);
        }
        d.resume();
    }

    @Test
    void powerOffReleasesEveryClaimAndIsIdempotent() {
        DeviceHarness h = harness();
        Device d = start(h);
        d.powerOff();
        d.powerOff();
        assertTrue(h.ports().claimedPorts().isEmpty(), "ports still claimed: " + h.ports().claimedPorts());
        assertTrue(h.mmio().mappings().isEmpty(), "MMIO still mapped");
    }

    @Test
    void stateLoadsIntoAFreshInstance() {
        DeviceHarness h = harness();
        Device d = start(h);
        exercise(h, d, new Random(fuzzSeed() + 1), 2_000);
        List<Record> saved = d.sections().stream().<Record>map(StateSection::save).toList();
        DeviceHarness h2 = harness();
        h2.clock().advanceTo(h.clock().nanos());
        Device fresh = start(h2);
        List<StateSection<?>> sections = fresh.sections();
        for (int i = 0; i < sections.size(); i++) {
            loadDecoded(sections.get(i), saved.get(i));
        }
        List<Record> loaded = fresh.sections().stream().<Record>map(StateSection::save).toList();
        assertNull(DeepEquality.firstDifference(saved, loaded), "loaded state differs from saved state");
    }

    @Test
    void configKeysAreDeclaredAsData() {
        List<ConfigKey> keys = provider().configKeys();
        Set<String> names = new HashSet<>();
        for (ConfigKey k : keys) {
            assertTrue(names.add(k.name()), "config key '" + k.name() + "' declared twice");
            assertFalse(k.doc().isBlank(), "config key '" + k.name() + "' has no documentation");
            if (k.defaultValue() != null) {
                k.type().parse(k.defaultValue());
            }
        }
        assertTrue(provider().id().matches("[a-z0-9-]+"), "provider id " + provider().id());
    }

    @Test
    void unknownConfigKeysAreRefused() {
        Map<String, String> bad = new HashMap<>(config());
        bad.put("no-such-key", "1");
        ConfigException e = assertThrows(ConfigException.class, () -> DeviceHarness.of(provider(), bad));
        assertTrue(e.getMessage().contains("no-such-key"), e.getMessage());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void fuzzedGuestAccessesNeverBreakTheDevice() {
        DeviceHarness h = harness();
        Device d = start(h);
        exercise(h, d, new Random(fuzzSeed()), FUZZ_OPERATIONS);
        for (StateSection<?> s : d.sections()) {
            roundTrip(s);
        }
        d.reset();
    }

    /**
     * Random reads and writes over the device's claimed ports and MMIO, with random clock advances
     * and posted events run; only IllegalArgumentException-family errors may escape an access.
     */
    protected void exercise(DeviceHarness h, Device device, Random rnd, int operations) {
        List<Integer> ports = h.ports().claimedPorts();
        List<RangeMmioSpace.Mapping> mmio = h.mmio().mappings();
        int[] sizes = {1, 1, 1, 2, 4};
        for (int i = 0; i < operations; i++) {
            try {
                int choice = rnd.nextInt(100);
                if (choice < 2) {
                    h.clock().advance(rnd.nextInt(3) == 0 ? rnd.nextLong(50_000_000L) : rnd.nextLong(100_000L));
                } else if (choice < 3) {
                    h.machine().runPosted();
                } else if (choice < 4) {
                    hostInput(device, rnd);
                } else if (!mmio.isEmpty() && (ports.isEmpty() || choice < 20)) {
                    RangeMmioSpace.Mapping m = mmio.get(rnd.nextInt(mmio.size()));
                    int size = 1 << rnd.nextInt(4);
                    long gpa = m.base() + rnd.nextLong(m.length());
                    if (rnd.nextBoolean()) {
                        h.mmio().write(gpa, size, rnd.nextLong());
                    } else {
                        h.mmio().read(gpa, size);
                    }
                } else if (!ports.isEmpty()) {
                    int port = ports.get(rnd.nextInt(ports.size()));
                    int size = sizes[rnd.nextInt(sizes.length)];
                    if (rnd.nextBoolean()) {
                        h.ports().write(port, size, rnd.nextInt());
                    } else {
                        h.ports().read(port, size);
                    }
                }
            } catch (IllegalArgumentException allowed) {
                // Documented refusal of a bad guest access.
            } catch (RuntimeException | Error e) {
                fail("operation " + i + " threw " + e, e);
            }
        }
    }

    /**
     * Delivers random host-side input (bytes typed, packets received) to {@code device} the way its
     * backend would, for the fuzz test; by default there is none.
     */
    protected void hostInput(Device device, Random rnd) {
    }

    /** Saves every section of {@code d}, with subsections. */
    protected static List<Record> saveAll(Device d) {
        List<Record> all = new ArrayList<>();
        for (StateSection<?> s : d.sections()) {
            all.add(s.save());
            for (Subsection<?> sub : s.subsections()) {
                if (sub.needed()) {
                    all.add(sub.save());
                }
            }
        }
        return all;
    }

    private static <S extends Record> void roundTrip(StateSection<S> s) {
        assertFalse(s.name().isBlank(), "section name");
        assertTrue(s.version() >= s.minVersion(), s.name() + ": version below minVersion");
        S saved = s.save();
        assertEquals(s.stateType(), saved.getClass(), s.name() + ": save() returned another type");
        S decoded = StateRecordCodec.decode(s.stateType(), StateRecordCodec.encode(saved));
        assertNull(DeepEquality.firstDifference(saved, decoded), s.name() + ": round trip changed the state");
        assertEquals(java.util.Optional.empty(), s.validate(decoded), s.name() + ": refused its own state");
        s.load(decoded);
        assertNull(DeepEquality.firstDifference(saved, s.save()), s.name() + ": load then save changed the state");
        for (Subsection<?> sub : s.subsections()) {
            roundTripSub(sub);
        }
    }

    private static <T extends Record> void roundTripSub(Subsection<T> sub) {
        if (!sub.needed()) {
            return;
        }
        T saved = sub.save();
        T decoded = StateRecordCodec.decode(sub.stateType(), StateRecordCodec.encode(saved));
        assertNull(DeepEquality.firstDifference(saved, decoded), sub.name() + ": round trip changed the state");
        assertEquals(java.util.Optional.empty(), sub.validate(decoded));
        sub.load(decoded);
    }

    private static <S extends Record> void loadDecoded(StateSection<S> s, Record saved) {
        S decoded = StateRecordCodec.decode(s.stateType(), StateRecordCodec.encode(s.stateType().cast(saved)));
        assertEquals(java.util.Optional.empty(), s.validate(decoded), s.name() + ": refused a saved state");
        s.load(decoded);
    }
}
