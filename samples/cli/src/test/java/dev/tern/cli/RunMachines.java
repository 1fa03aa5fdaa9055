package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.plugin.PluginRegistry;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Machines assembled exactly as {@code tern run} assembles them, for tests outside this package. */
public final class RunMachines {

    private static final PluginRegistry PLUGINS = PluginRegistry.discover(RunMachines.class.getClassLoader(), List.of());

    private RunMachines() {
    }

    /** A machine (not started) built from {@code tern run} options. */
    public static Machine create(List<String> args) throws IOException {
        var cmd = new RunCommand();
        new CommandLine(cmd).parseArgs(args.toArray(String[]::new));
        byte[] firmware = cmd.bios == null ? RunCommand.demoRom() : Files.readAllBytes(cmd.bios);
        return Machine.create(PLUGINS, cmd.spec(firmware));
    }

    /** The plugins found on the test class path. */
    public static PluginRegistry plugins() {
        return PLUGINS;
    }

    /** Copies the test guest {@code name} (under /guests) into {@code dir}. */
    public static Path guest(Path dir, String name) throws IOException {
        Path rom = dir.resolve(name);
        try (InputStream in = RunMachines.class.getResourceAsStream("/guests/" + name)) {
            if (in == null) {
                throw new IllegalStateException("test guest " + name + " is missing");
            }
            Files.write(rom, in.readAllBytes());
        }
        return rom;
    }
}
