package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.plugin.PluginRegistry;
import java.nio.file.Files;
import java.util.List;
import picocli.CommandLine;

/**
 * A machine built exactly as {@code tern run ARGS} builds it (x86 CPU, the PC devices, the demo
 * guest unless {@code --bios}), for tests in other packages that drive a real machine from the
 * inside (the GDB stub's package-private commands, for one).
 */
public final class PcMachine {

    private static final PluginRegistry PLUGINS = PluginRegistry.discover(PcMachine.class.getClassLoader(), List.of());

    private PcMachine() {
    }

    /** A new, not yet started machine configured by {@code tern run}'s options {@code args}. */
    public static Machine create(String... args) throws Exception {
        var cmd = new RunCommand();
        new CommandLine(cmd).parseArgs(args);
        byte[] firmware = cmd.bios == null ? RunCommand.demoRom() : Files.readAllBytes(cmd.bios);
        return Machine.create(PLUGINS, cmd.spec(firmware));
    }
}
