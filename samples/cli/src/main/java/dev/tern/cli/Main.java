package dev.tern.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/** Entry point of the {@code tern} command. */
@Command(name = "tern", mixinStandardHelpOptions = true, versionProvider = TernVersion.class,
        description = "Tern: a Java framework for building virtual machine monitors.",
        subcommands = {RunCommand.class, PluginsCommand.class, BenchCommand.class, AnalyzeCommand.class, ConformanceCommand.class,
                WitnessCommand.class, AotTraining.class,
                CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit status (for tests and embedding). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOverwrittenOptionsAllowed(true);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("tern: " + describe(e));
            if (System.getenv("TERN_DEBUG") != null) {
                e.printStackTrace(cmd.getErr());
            }
            return 2;
        });
        List<String> expanded;
        try {
            expanded = ConfigFile.expand(List.of(args));
        } catch (ConfigFile.ConfigFileException e) {
            System.err.println("tern: " + e.getMessage());
            return 2;
        } catch (UncheckedIOException e) {
            System.err.println("tern: " + e.getCause().getMessage());
            return 2;
        }
        return cli.execute(expanded.toArray(String[]::new));
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        if (e instanceof IOException && m != null) {
            return e.getClass().getSimpleName() + ": " + m;
        }
        return m != null ? m : e.toString();
    }

    /** Resolves {@code --plugin-path} values. */
    static List<Path> pluginDirs(List<Path> given) {
        return given == null ? List.of() : given;
    }
}
