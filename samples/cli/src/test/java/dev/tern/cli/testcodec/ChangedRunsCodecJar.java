package dev.tern.cli.testcodec;

import dev.tern.spi.SpiVersion;
import dev.tern.spi.codec.PageCodecProvider;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * Packs {@link ChangedRunsCodecProvider} into a plugin jar during a test: the codec is registered
 * nowhere on the class path, so only a plugin directory (or a class loader over the jar) finds it.
 */
public final class ChangedRunsCodecJar {

    private ChangedRunsCodecJar() {
    }

    /** Writes the codec's classes from this module's test output into a plugin jar in {@code into}; returns {@code into}. */
    public static Path build(Path into) throws IOException, URISyntaxException {
        Path classes = Path.of(ChangedRunsCodecProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path pkg = classes.resolve(ChangedRunsCodecProvider.class.getPackageName().replace('.', '/'));
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue(SpiVersion.MANIFEST_ATTRIBUTE, SpiVersion.CURRENT.toString());
        Path jar = Files.createDirectories(into).resolve("changed-runs-codec.jar");
        try (OutputStream file = Files.newOutputStream(jar);
             JarOutputStream out = new JarOutputStream(file, manifest);
             Stream<Path> walk = Files.list(pkg)) {
            for (Path p : walk.filter(f -> f.getFileName().toString().endsWith(".class")).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(p));
                out.closeEntry();
            }
            out.putNextEntry(new JarEntry("META-INF/services/" + PageCodecProvider.class.getName()));
            out.write((ChangedRunsCodecProvider.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return into;
    }
}
