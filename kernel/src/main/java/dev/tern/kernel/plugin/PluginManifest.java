package dev.tern.kernel.plugin;

import dev.tern.spi.SpiVersion;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * What a plugin's manifest says about it: its version and the SPI version it was built against.
 *
 * @param version {@code Implementation-Version}, or {@code "dev"} when absent
 * @param spiVersion the {@value SpiVersion#MANIFEST_ATTRIBUTE} attribute, if present
 */
public record PluginManifest(String version, Optional<SpiVersion> spiVersion) {

    /** The version shown for plugins whose manifest states none (e.g. classes straight from a build directory). */
    public static final String DEV_VERSION = "dev";

    /** What is known of code with no manifest at all. */
    public static final PluginManifest NONE = new PluginManifest(DEV_VERSION, Optional.empty());

    /**
     * Reads the manifest of a jar, or {@code META-INF/MANIFEST.MF} under a class directory.
     *
     * @throws PluginException naming the location when it cannot be read or the SPI version is malformed
     */
    public static PluginManifest read(Path location) {
        try {
            if (Files.isDirectory(location)) {
                Path mf = location.resolve(JarFile.MANIFEST_NAME);
                if (!Files.isRegularFile(mf)) {
                    return NONE;
                }
                try (InputStream in = Files.newInputStream(mf)) {
                    return of(location, new Manifest(in));
                }
            }
            try (JarFile jar = new JarFile(location.toFile())) {
                Manifest m = jar.getManifest();
                return m == null ? NONE : of(location, m);
            }
        } catch (IOException e) {
            throw new PluginException("cannot read the manifest of " + location + ": " + e.getMessage(), e);
        }
    }

    private static PluginManifest of(Path location, Manifest manifest) {
        Attributes main = manifest.getMainAttributes();
        String version = main.getValue(Attributes.Name.IMPLEMENTATION_VERSION);
        String spi = main.getValue(SpiVersion.MANIFEST_ATTRIBUTE);
        Optional<SpiVersion> spiVersion = Optional.empty();
        if (spi != null) {
            try {
                spiVersion = Optional.of(SpiVersion.parse(spi));
            } catch (IllegalArgumentException e) {
                throw new PluginException("plugin " + location + " has a malformed " + SpiVersion.MANIFEST_ATTRIBUTE
                        + " manifest attribute: " + e.getMessage(), e);
            }
        }
        return new PluginManifest(shown(version), spiVersion);
    }

    /** The version as listings print it: control characters (a hostile jar's terminal escapes) become '?'. */
    private static String shown(String version) {
        String v = version == null ? "" : version.replaceAll("\\p{Cntrl}", "?").strip();
        return v.isEmpty() ? DEV_VERSION : v;
    }

    /**
     * Refuses a plugin built for an SPI this kernel cannot run.
     *
     * @param what how to name the plugin, e.g. {@code "plugin jar /x/foo.jar"}
     * @param required whether a missing attribute is itself an error (it is for plugin-directory jars)
     */
    public void requireCompatible(String what, boolean required) {
        if (spiVersion.isEmpty()) {
            if (required) {
                throw new PluginException(what + " does not state the Tern SPI it was built for (no "
                        + SpiVersion.MANIFEST_ATTRIBUTE + " manifest attribute); this Tern provides SPI "
                        + SpiVersion.CURRENT);
            }
            return;
        }
        SpiVersion built = spiVersion.get();
        if (!built.runsOn(SpiVersion.CURRENT)) {
            throw new PluginException(what + " was built for Tern SPI " + built + "; this Tern provides SPI "
                    + SpiVersion.CURRENT);
        }
    }
}
