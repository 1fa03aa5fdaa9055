package dev.tern.kernel.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tern.spi.SpiVersion;
import dev.tern.testkit.fuzz.HostileInput;
import dev.tern.testkit.fuzz.SeedCorpus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A plugin's {@code META-INF/MANIFEST.MF} as the plugin loader reads it from a class directory
 * ({@link PluginManifest#read}), then checked against this kernel's SPI as for a plugin-directory
 * jar ({@link PluginManifest#requireCompatible}): a manifest is taken, or refused with a {@link
 * PluginException} naming the plugin's location; the version it reports is never blank and
 * holds no control characters (finding 1: a version of one control character was shown empty). Seeds:
 * manifests written by {@link Manifest#write} as a plugin build writes them.
 */
class PluginManifestFuzzTest {

    private static final Pattern NAMED = Pattern.compile("(manifest of|plugin) \\S*tern-manifest-fuzz\\S*|does not state|was built for");
    private static final long ALLOCATION = 4 << 20;
    private static Path dir;

    @AfterAll
    static void clean() throws IOException {
        if (dir != null) {
            Files.deleteIfExists(dir.resolve(JarFile.MANIFEST_NAME));
            Files.deleteIfExists(dir.resolve("META-INF"));
            Files.deleteIfExists(dir);
        }
    }

    private static byte[] manifest(String... keyValues) throws IOException {
        var m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        for (int i = 0; i < keyValues.length; i += 2) {
            m.getMainAttributes().putValue(keyValues[i], keyValues[i + 1]);
        }
        var out = new ByteArrayOutputStream();
        m.write(out);
        return out.toByteArray();
    }

    @Test
    void seedsAreWrittenManifests() throws IOException {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        // fixed versions: a seed must not change when the SPI's version does
        seeds.put("spi-1.0", manifest("Implementation-Version", "1.2.3", SpiVersion.MANIFEST_ATTRIBUTE, "1.0",
                "Created-By", "Maven JAR Plugin 3.4.2", "Implementation-Title", "x".repeat(100)));
        seeds.put("spi-99.0", manifest(SpiVersion.MANIFEST_ATTRIBUTE, "99.0"));
        seeds.put("malformed-spi", manifest("Implementation-Version", " ", SpiVersion.MANIFEST_ATTRIBUTE, "one.two"));
        seeds.put("no-spi", manifest("Implementation-Version", "7"));
        SeedCorpus.check(PluginManifestFuzzTest.class, "read", seeds);
    }

    @FuzzTest
    void read(byte[] mf) throws IOException {
        if (dir == null) {
            dir = Files.createTempDirectory("tern-manifest-fuzz");
            Files.createDirectories(dir.resolve("META-INF"));
        }
        Files.write(dir.resolve(JarFile.MANIFEST_NAME), mf);
        PluginManifest[] read = new PluginManifest[1];
        var refused = HostileInput.parse(PluginException.class, NAMED, ALLOCATION, () -> {
            read[0] = PluginManifest.read(dir);
            read[0].requireCompatible("plugin " + dir, true);
        });
        if (read[0] != null) {
            assertFalse(read[0].version().isBlank(), "the version shown");
            assertEquals(read[0].version().strip(), read[0].version());
            assertFalse(read[0].version().chars().anyMatch(Character::isISOControl), "control characters in the version shown");
        }
        if (refused.isEmpty()) {
            assertEquals(true, read[0].spiVersion().orElseThrow().runsOn(SpiVersion.CURRENT));
        }
    }
}
