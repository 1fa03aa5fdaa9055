package dev.tern.cli.cdi;

import dev.tern.cli.testcodec.ChangedRunsCodecJar;
import dev.tern.kernel.plugin.PluginClassLoader;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.spi.codec.PageCodecProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

/** A provider from a plugin jar (found only through its directory) is a bean qualified by its id. */
class PluginJarBeansTest {

    @TempDir
    Path dir;

    @Test
    void jarProvidersAreInjectableBeans() throws Exception {
        PluginRegistry registry = PluginRegistry.discover(getClass().getClassLoader(),
                List.of(ChangedRunsCodecJar.build(dir)));
        try (TernContainer container = TernContainer.start(registry)) {
            PageCodecProvider codec = container.select(PageCodecProvider.class, PluginId.Literal.of("changed-runs"));
            assertSame(registry.require(PageCodecProvider.class, "changed-runs"), codec);
            assertInstanceOf(PluginClassLoader.class, codec.getClass().getClassLoader());
        }
    }
}
