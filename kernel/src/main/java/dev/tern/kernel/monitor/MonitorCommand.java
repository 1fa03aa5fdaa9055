package dev.tern.kernel.monitor;

import java.util.List;
import java.util.Objects;

/**
 * One monitor command.
 *
 * @param name what the user types ({@code "savevm"}, or {@code "info snapshots"} for an info topic)
 * @param params the argument synopsis for {@code help} ({@code "NAME"})
 * @param help one line
 * @param minArgs fewest arguments accepted
 * @param maxArgs most arguments accepted
 * @param action what it does; returns its structured result, which the monitor prints
 */
public record MonitorCommand(String name, String params, String help, int minArgs, int maxArgs, Action action) {

    /** The body of a command. */
    @FunctionalInterface
    public interface Action {
        /** Runs with the already count-checked arguments. */
        Reply run(List<String> args) throws Exception;
    }

    public MonitorCommand {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(help, "help");
        Objects.requireNonNull(action, "action");
        if (minArgs < 0 || maxArgs < minArgs) {
            throw new IllegalArgumentException("command '" + name + "': bad argument counts " + minArgs + ".." + maxArgs);
        }
    }

    /** The body of a command without arguments. */
    @FunctionalInterface
    public interface NoArgAction {
        /** Runs the command. */
        Reply run() throws Exception;
    }

    /** A command taking no arguments. */
    public static MonitorCommand of(String name, String help, NoArgAction action) {
        return new MonitorCommand(name, "", help, 0, 0, args -> action.run());
    }
}
