package dev.tern.cli;

import dev.tern.kernel.plugin.PluginRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code tern plugins}: every provider found, with version, jar and config keys. */
@Command(name = "plugins", mixinStandardHelpOptions = true,
        description = "List the plugins found on the classpath and in plugin directories.")
final class PluginsCommand implements Callable<Integer> {

    @Option(names = "--plugin-path", paramLabel = "DIR", description = "Directory of plugin jars (repeatable).")
    List<Path> pluginPath = new ArrayList<>();

    @Override
    public Integer call() {
        System.out.print(PluginRegistry.discover(getClass().getClassLoader(), pluginPath).render());
        return 0;
    }
}
