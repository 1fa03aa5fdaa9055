package dev.tern.testkit.state;

import dev.tern.spi.state.StateSection;
import dev.tern.spi.state.Subsection;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Golden-byte tests of saved-state sections. Each section has a fixture directory
 * {@code golden/<section name>/} holding {@code v<N>.bin}, the encoding of a chosen state as
 * version N wrote it. Fixtures of released versions are never rewritten: every later version must
 * still load them, which is what keeps old snapshots restorable.
 *
 * <p>{@link #check} asserts that the current version encodes the chosen state to exactly its
 * fixture, that loading the fixture into a fresh instance yields that state again, and that every
 * fixture from {@code minVersion()} to {@code version()} loads. Run the tests with
 * {@code -Dtern.golden.update=true} to record the fixture of a new version; it only creates missing
 * fixtures and never overwrites one, so a released version's bytes cannot be changed by accident.
 *
 * <p>The encoding itself is the kernel's; plugins reach it through their test classpath and pass
 * it in as an {@link Encoder} and {@link Loader}, which keeps this kit independent of the kernel.
 */
public final class GoldenEncoding {

    /** The property that records missing fixtures of the current version. */
    public static final String UPDATE_PROPERTY = "tern.golden.update";

    /** Saves a section and encodes it. */
    @FunctionalInterface
    public interface Encoder {
        byte[] encode(StateSection<?> section);
    }

    /** Decodes an encoding, upgrading older versions, validates it and loads it into a section. */
    @FunctionalInterface
    public interface Loader {
        void load(StateSection<?> section, byte[] encoded) throws Exception;
    }

    private final Path directory;
    private final Encoder encoder;
    private final Loader loader;
    private final boolean update;

    /**
     * @param directory the directory holding one sub-directory per section name
     * @param encoder the encoding under test
     * @param loader its decoder
     */
    public GoldenEncoding(Path directory, Encoder encoder, Loader loader) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.loader = Objects.requireNonNull(loader, "loader");
        this.update = Boolean.getBoolean(UPDATE_PROPERTY);
    }

    /** Fixtures in the running module's {@code src/test/resources/golden}. */
    public static GoldenEncoding inModule(Encoder encoder, Loader loader) {
        return new GoldenEncoding(Path.of(System.getProperty("basedir", "."), "src", "test", "resources", "golden"),
                encoder, loader);
    }

    /** The fixture of {@code version} of section {@code name}. */
    public Path fixture(String name, int version) {
        return fixture(name, version, List.of());
    }

    /**
     * The fixture of {@code version} written with {@code subsections}: {@code v<N>+<sub>...bin}.
     * A subsection added later gets its own fixture, and {@code v<N>.bin} stays as the stream an
     * older writer made, which must still load.
     */
    public Path fixture(String name, int version, List<String> subsections) {
        StringBuilder file = new StringBuilder("v").append(version);
        subsections.forEach(sub -> file.append('+').append(sub));
        return directory.resolve(name).resolve(file.append(".bin").toString());
    }

    private static List<String> neededSubsections(StateSection<?> section) {
        return section.subsections().stream().filter(Subsection::needed).map(Subsection::name).toList();
    }

    /**
     * Checks {@code section}, already put into a chosen non-trivial state, against its fixtures.
     *
     * @param fresh makes another instance of the same section in its power-on state
     */
    public <S extends Record> void check(StateSection<S> section, Supplier<? extends StateSection<S>> fresh) {
        String who = "section '" + section.name() + "' instance " + section.instance() + " v" + section.version();
        Path golden = fixture(section.name(), section.version(), neededSubsections(section));
        byte[] now = encoder.encode(section);
        byte[] expected = current(golden, now, who);
        assertSame(expected, now, who + ": encoding differs from golden " + golden);

        StateSection<S> target = fresh.get();
        load(target, expected, who + ": loading its golden");
        assertNull(DeepEquality.firstDifference(section.save(), target.save()),
                who + ": state loaded from the golden differs from the state that was saved");
        assertSame(expected, encoder.encode(target), who + ": the loaded state re-encodes differently");

        for (int v = section.minVersion(); v <= section.version(); v++) {
            Path old = fixture(section.name(), v);
            if (!Files.exists(old)) {
                fail(section.name() + ": no fixture " + old + " for supported version " + v
                        + "; every version from minVersion() must keep its fixture");
            }
            load(fresh.get(), read(old), "section '" + section.name() + "' loading fixture " + old);
        }
    }

    private byte[] current(Path golden, byte[] now, String who) {
        if (update && !Files.exists(golden)) {
            try {
                Files.createDirectories(golden.getParent());
                Files.write(golden, now);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot record " + golden, e);
            }
        }
        if (!Files.exists(golden)) {
            fail(who + ": no golden encoding at " + golden + "; run the test with -D" + UPDATE_PROPERTY
                    + "=true once to record it, and check it in");
        }
        return read(golden);
    }

    private void load(StateSection<?> target, byte[] bytes, String what) {
        try {
            loader.load(target, bytes);
        } catch (Exception e) {
            throw new AssertionError(what + " failed: " + e.getMessage(), e);
        }
    }

    private static void assertSame(byte[] expected, byte[] actual, String message) {
        int n = Math.min(expected.length, actual.length);
        for (int i = 0; i < n; i++) {
            if (expected[i] != actual[i]) {
                fail(message + ": first difference at byte " + i + " (golden " + window(expected, i) + ", now "
                        + window(actual, i) + "). An intended format change needs a version bump or a subsection,"
                        + " and a new fixture.");
            }
        }
        assertEquals(expected.length, actual.length, message + ": length differs (golden "
                + expected.length + " bytes, now " + actual.length + ")");
    }

    private static String window(byte[] b, int at) {
        int from = Math.max(0, at - 4);
        int to = Math.min(b.length, at + 8);
        return HexFormat.of().formatHex(b, from, to) + " from byte " + from;
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read fixture " + p, e);
        }
    }
}
