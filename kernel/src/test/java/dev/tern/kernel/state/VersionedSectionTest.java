package dev.tern.kernel.state;

import dev.tern.spi.state.FieldView;
import dev.tern.spi.state.StateSection;
import dev.tern.spi.state.StateUpgrader;
import dev.tern.testkit.state.GoldenEncoding;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upgrade path proven end to end with a test-only section, "odometer", whose record changed
 * twice: v1 held an int count; v2 widened it to long and added the unit; v3 added a list of marks.
 * Each era's code is a section here, and each era's fixture stays checked in: the v3 section must
 * load all three through {@link StateSection#upgrader()}.
 */
class VersionedSectionTest {

    record OdometerV1(int count) { }

    record OdometerV2(long count, String unit) { }

    record Mark(long at, String label) { }

    record OdometerV3(long count, String unit, List<Mark> marks) { }

    /** One era of the section: its record, its version window, its upgrader. */
    static final class Odometer<S extends Record> implements StateSection<S> {
        private final Class<S> type;
        private final int version;
        private final StateUpgrader<S> upgrader;
        S state;

        Odometer(Class<S> type, int version, S initial, StateUpgrader<S> upgrader) {
            this.type = type;
            this.version = version;
            this.state = initial;
            this.upgrader = upgrader;
        }

        @Override
        public String name() {
            return "odometer";
        }

        @Override
        public Class<S> stateType() {
            return type;
        }

        @Override
        public S save() {
            return state;
        }

        @Override
        public void load(S s) {
            state = s;
        }

        @Override
        public int version() {
            return version;
        }

        @Override
        public int minVersion() {
            return 1;
        }

        @Override
        public Optional<StateUpgrader<S>> upgrader() {
            return Optional.ofNullable(upgrader);
        }

        @Override
        public Optional<String> validate(S s) {
            return s instanceof OdometerV3 v && v.count() < 0 ? Optional.of("negative count") : Optional.empty();
        }
    }

    private static OdometerV2 toV2(int from, FieldView old) {
        if (from != 1) {
            throw new IllegalArgumentException("no upgrade from version " + from);
        }
        return new OdometerV2(Integer.toUnsignedLong(old.intValue("count")), "ticks");
    }

    private static OdometerV3 toV3(int from, FieldView old) {
        OdometerV2 v2 = from == 1 ? toV2(from, old) : new OdometerV2(old.longValue("count"), old.string("unit"));
        return new OdometerV3(v2.count(), v2.unit(), List.of());
    }

    static Odometer<OdometerV1> v1(OdometerV1 s) {
        return new Odometer<>(OdometerV1.class, 1, s, null);
    }

    static Odometer<OdometerV2> v2(OdometerV2 s) {
        return new Odometer<>(OdometerV2.class, 2, s, VersionedSectionTest::toV2);
    }

    static Odometer<OdometerV3> v3(OdometerV3 s) {
        return new Odometer<>(OdometerV3.class, 3, s, VersionedSectionTest::toV3);
    }

    private static final OdometerV3 ZERO = new OdometerV3(0, "none", List.of());

    @Test
    void version1EraMatchesItsFixture() {
        KernelSectionGoldenTest.GOLDEN.check(v1(new OdometerV1(-41)), () -> v1(new OdometerV1(0)));
    }

    @Test
    void version2EraMatchesItsFixtureAndLoadsVersion1() {
        KernelSectionGoldenTest.GOLDEN.check(v2(new OdometerV2(5_000_000_000L, "km")), () -> v2(new OdometerV2(0, "")));
    }

    @Test
    void version3MatchesItsFixtureAndLoadsEveryOlderOne() {
        OdometerV3 s = new OdometerV3(7, "mi", List.of(new Mark(3, "start"), new Mark(6, "turn")));
        KernelSectionGoldenTest.GOLDEN.check(v3(s), () -> v3(ZERO));
    }

    @Test
    void olderFixturesUpgradeToTheValuesTheyHeld() throws Exception {
        Odometer<OdometerV3> fromV1 = v3(ZERO);
        SectionFrame.load(fromV1, fixture(1));
        // v1 stored the count as a 32-bit unsigned counter
        assertEquals(new OdometerV3(4_294_967_255L, "ticks", List.of()), fromV1.state);
        Odometer<OdometerV3> fromV2 = v3(ZERO);
        SectionFrame.load(fromV2, fixture(2));
        assertEquals(new OdometerV3(5_000_000_000L, "km", List.of()), fromV2.state);
    }

    @Test
    void aVersionOutsideTheWindowIsRefusedNamingIt() throws Exception {
        Odometer<OdometerV2> old = v2(ZERO_V2);
        SavedStateException e = assertThrows(SavedStateException.class, () -> SectionFrame.load(old, fixture(3)));
        assertEquals("section 'odometer' instance 0: version 3 not in [1, 2]", e.getMessage().replaceAll(" \\(at.*", ""));
    }

    @Test
    void withoutAnUpgraderAnOlderVersionIsRefused() throws Exception {
        Odometer<OdometerV3> noUpgrader = new Odometer<>(OdometerV3.class, 3, ZERO, null);
        SavedStateException e = assertThrows(SavedStateException.class,
                () -> SectionFrame.load(noUpgrader, fixture(1)));
        assertTrue(e.getMessage().contains("version 1 is older than 3 and no upgrader is registered"), e.getMessage());
        assertEquals(ZERO, noUpgrader.state, "a refused load changes nothing");
    }

    @Test
    void aFailingUpgraderIsReportedWithTheSectionAndNothingLoads() throws Exception {
        Odometer<OdometerV3> picky = new Odometer<>(OdometerV3.class, 3, ZERO, (from, old) -> {
            throw new IllegalArgumentException("cannot express " + old.intValue("count"));
        });
        SavedStateException e = assertThrows(SavedStateException.class, () -> SectionFrame.load(picky, fixture(1)));
        assertTrue(e.getMessage().startsWith("section 'odometer' instance 0: upgrade from version 1 failed"),
                e.getMessage());
        assertTrue(e.getMessage().contains("cannot express -41"), e.getMessage());
        assertEquals(ZERO, picky.state);
    }

    @Test
    void aChangedEncodingFailsNamingTheSection(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path golden = dir.resolve("odometer").resolve("v1.bin");
        Files.createDirectories(golden.getParent());
        byte[] bytes = SectionFrame.encode(v1(new OdometerV1(1)));
        Files.write(golden, bytes);
        GoldenEncoding g = new GoldenEncoding(dir, SectionFrame::encode, SectionFrame::load);
        AssertionError e = assertThrows(AssertionError.class,
                () -> g.check(v1(new OdometerV1(2)), () -> v1(new OdometerV1(0))));
        assertTrue(e.getMessage().startsWith("section 'odometer' instance 0 v1: encoding differs from golden"),
                e.getMessage());
    }

    private static final OdometerV2 ZERO_V2 = new OdometerV2(0, "");

    private static byte[] fixture(int version) throws Exception {
        return Files.readAllBytes(KernelSectionGoldenTest.GOLDEN.fixture("odometer", version));
    }
}
