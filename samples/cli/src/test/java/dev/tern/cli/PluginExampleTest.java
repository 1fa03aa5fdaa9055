package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.migration.MachineDigest;
import dev.tern.kernel.migration.MigrationConfig;
import dev.tern.kernel.migration.MigrationSource;
import dev.tern.kernel.migration.MigrationStats;
import dev.tern.kernel.migration.MigrationStatus;
import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.plugin.ProviderKind;
import dev.tern.spi.SpiVersion;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The plugin author's path end to end: samples/plugin-example, built by this reactor against the
 * SPI it just built (the jar the author would ship), is dropped into a --plugin-path directory and
 * all three of its plugins work inside Tern — the device in a machine, the transport and the page
 * codec carrying a live migration into a {@code tern run --plugin-path} process.
 */
@Isolated("replaces System.out and System.err to read what the run prints")
class PluginExampleTest {

    @TempDir
    Path dir;

    private Path plugins;

    /** samples/plugin-example/target/tern-plugin-example-*.jar, alone in a plugin directory. */
    @BeforeEach
    void installTheExampleJar() throws IOException {
        Path target = Path.of("..", "plugin-example", "target");
        Path jar;
        try (Stream<Path> files = Files.exists(target) ? Files.list(target) : Stream.empty()) {
            jar = files.filter(p -> p.getFileName().toString().matches("tern-plugin-example-[0-9.]+\\.jar"))
                    .findFirst().orElse(null);
        }
        if (jar == null) {
            fail("no plugin jar in " + target.toAbsolutePath() + ": build samples/plugin-example first "
                    + "(mvn -pl samples/cli -am builds it)");
        }
        plugins = Files.createDirectories(dir.resolve("plugins"));
        Files.copy(jar, plugins.resolve(jar.getFileName()));
    }

    @Test
    void ternPluginsListsAllThreeFromTheJar() {
        PrintStream original = System.out;
        var bytes = new ByteArrayOutputStream();
        int status;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            status = Main.execute("plugins", "--plugin-path", plugins.toString());
        } finally {
            System.setOut(original);
        }
        String listing = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, listing);
        for (String id : List.of("scratch", "plain-tcp", "zero-runs")) {
            assertTrue(listing.contains(id), id + " is not listed:\n" + listing);
        }
        assertTrue(listing.contains("1.0.0"), "the jar's Implementation-Version is not shown:\n" + listing);
    }

    @Test
    void anUnknownKeyOfThePluginDeviceIsRefusedByName() {
        var err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = Main.execute("run", "--plugin-path", plugins.toString(), "--device", "scratch,colour=red",
                    "--serial", "none", "--max-instructions", "1000");
        } finally {
            System.setErr(original);
        }
        assertEquals(2, status, err.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("colour"), err.toString(StandardCharsets.UTF_8));
    }

    /** The same jar stamped for SPI 2.x: tern refuses it before loading a class, naming both versions. */
    @Test
    void theJarStampedForAnotherSpiMajorIsRefusedNamingBothVersions() throws IOException {
        Path jar;
        try (Stream<Path> files = Files.list(plugins)) {
            jar = files.findFirst().orElseThrow();
        }
        String future = (SpiVersion.MAJOR + 1) + ".0";
        restamp(jar, future);
        var err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = Main.execute("plugins", "--plugin-path", plugins.toString());
        } finally {
            System.setErr(original);
        }
        String message = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, status, message);
        assertTrue(message.contains("built for Tern SPI " + future + "; this Tern provides SPI " + SpiVersion.CURRENT), message);
        assertTrue(message.contains(jar.getFileName().toString()), message);
    }

    /** Rewrites {@code jar}'s manifest with another {@value SpiVersion#MANIFEST_ATTRIBUTE}. */
    private static void restamp(Path jar, String version) throws IOException {
        Path copy = jar.resolveSibling("restamped.tmp");
        try (var in = new JarFile(jar.toFile());
             var out = new JarOutputStream(Files.newOutputStream(copy), withSpi(in.getManifest(), version))) {
            for (var entries = in.entries(); entries.hasMoreElements(); ) {
                JarEntry e = entries.nextElement();
                if (e.getName().equals(JarFile.MANIFEST_NAME)) {
                    continue;
                }
                out.putNextEntry(new JarEntry(e.getName()));
                try (var data = in.getInputStream(e)) {
                    data.transferTo(out);
                }
                out.closeEntry();
            }
        }
        Files.move(copy, jar, StandardCopyOption.REPLACE_EXISTING);
    }

    private static Manifest withSpi(Manifest manifest, String version) {
        manifest.getMainAttributes().putValue(SpiVersion.MANIFEST_ATTRIBUTE, version);
        return manifest;
    }

    @Test
    @Timeout(300)
    void theExampleTransportAndCodecMigrateAMachineWithTheExampleDevice() throws Exception {
        PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader(), List.of(plugins));
        assertTrue(registry.find(ProviderKind.TRANSPORT, "plain-tcp").orElseThrow().source().endsWith(".jar"));
        var live = new LiveMigrationTest();
        live.dir = dir;
        List<String> args = LiveMigrationTest.with(live.guestArgs(), "--plugin-path", plugins.toString(),
                "--device", "scratch,port=0x520");
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming", "plain-tcp:127.0.0.1:0",
                "--print-digest").toArray(String[]::new));
             Machine source = Machine.create(registry, machineSpec(args))) {
            String address = dest.awaitAddress();
            assertTrue(address.startsWith("plain-tcp:127.0.0.1:"), address);
            source.start();
            LiveMigrationTest.runAtLeast(source, 1_000_000);
            var config = MigrationConfig.DEFAULT.with("compression", "zero-runs");
            MigrationStats stats = new MigrationSource(source, MigrationUri.parse(address).connect(registry), config,
                    registry).run();
            assertEquals(MigrationStatus.COMPLETED, stats.status(), stats.render() + "\n" + dest.output());
            assertTrue(stats.codec("zero-runs").getOrDefault("pages", 0L) > 0, "no page went as zero-runs:\n" + stats.render());
            MigrationPeer.Digest received = dest.awaitDigest("incoming migration complete");
            assertEquals(source.vcpus().getFirst().instructionCount(), received.instructions());
            assertEquals(MachineDigest.full(source), received.state(), "machine state (with the scratch device) differs");
        }
    }

    private static dev.tern.kernel.machine.MachineSpec machineSpec(List<String> args) throws IOException {
        var cmd = new RunCommand();
        new picocli.CommandLine(cmd).parseArgs(args.toArray(String[]::new));
        return cmd.spec(Files.readAllBytes(cmd.bios));
    }
}
