package dev.tern.spi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plugin author's first contact: every complete Java file shown in README.md and
 * docs/plugin-guide.md compiles, as written, against this SPI alone, and every SPI version the two
 * documents tell an author to stamp is this one.
 */
class ReadmeSnippetTest {

    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern TYPE = Pattern.compile("^public (?:final |abstract )?(?:class|interface|record|enum) (\\w+)",
            Pattern.MULTILINE);
    private static final Pattern STAMPED = Pattern.compile(SpiVersion.MANIFEST_ATTRIBUTE + ": (\\d+\\.\\d+)");

    /** The repository root: surefire runs in spi/. */
    private static Path doc(String name) {
        return Path.of("..").resolve(name);
    }

    @Test
    void readmeDeviceSnippetCompilesAgainstTheSpi(@TempDir Path work) throws IOException {
        List<String> units = compilationUnits(Files.readString(doc("README.md")));
        assertFalse(units.isEmpty(), "README.md shows no complete Java file (a ```java block starting with package)");
        compile(work, units);
    }

    @Test
    void pluginGuideCompleteFilesCompileAgainstTheSpi(@TempDir Path work) throws IOException {
        List<String> units = compilationUnits(Files.readString(doc("docs/plugin-guide.md")));
        if (!units.isEmpty()) {
            compile(work, units);
        }
    }

    @Test
    void documentsStampTheCurrentSpiVersion() throws IOException {
        for (String name : List.of("README.md", "docs/plugin-guide.md")) {
            Matcher m = STAMPED.matcher(Files.readString(doc(name)));
            while (m.find()) {
                assertEquals(SpiVersion.CURRENT.toString(), m.group(1), name + " tells authors to stamp " + m.group());
            }
        }
        assertTrue(STAMPED.matcher(Files.readString(doc("README.md"))).find(), "README.md must state the manifest attribute");
    }

    /** The ```java blocks that are whole files (they declare a package); fragments are left alone. */
    private static List<String> compilationUnits(String markdown) {
        List<String> units = new ArrayList<>();
        Matcher m = JAVA_BLOCK.matcher(markdown);
        while (m.find()) {
            if (PACKAGE.matcher(m.group(1)).find()) {
                units.add(m.group(1));
            }
        }
        return units;
    }

    private static void compile(Path work, List<String> units) throws IOException {
        List<Path> files = new ArrayList<>();
        for (String unit : units) {
            Matcher pkg = PACKAGE.matcher(unit);
            Matcher type = TYPE.matcher(unit);
            assertTrue(pkg.find() && type.find(), "snippet declares no public top-level type:\n" + unit);
            Path file = work.resolve("src").resolve(pkg.group(1).replace('.', '/')).resolve(type.group(1) + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, unit);
            files.add(file);
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
            // Only the SPI on the class path: exactly what a plugin built against tern-spi sees.
            List<String> options = List.of("-classpath", spiLocation().toString(), "-d",
                    Files.createDirectories(work.resolve("classes")).toString(), "-proc:none", "-Xlint:all", "-Werror");
            boolean ok = javac.getTask(null, fm, diagnostics, options, null, fm.getJavaFileObjectsFromPaths(files)).call();
            assertTrue(ok, "the documented snippet does not compile: " + diagnostics.getDiagnostics());
        }
    }

    private static Path spiLocation() {
        try {
            return Path.of(Provider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
