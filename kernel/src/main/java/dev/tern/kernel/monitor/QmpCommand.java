package dev.tern.kernel.monitor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The QMP form of a monitor operation: its QAPI name and arguments, and the operation it calls —
 * the same one the human monitor's command calls, returning the same {@link Reply}.
 *
 * @param name the QAPI command name ({@code "query-status"})
 * @param params its arguments; anything else is refused as QEMU refuses it
 * @param action the operation
 * @param openArguments whether arguments beyond {@code params} are passed through unchecked (as
 *                      device_add takes any device property)
 */
public record QmpCommand(String name, List<QmpParam> params, Action action, boolean openArguments) {

    /** The body of a command. */
    @FunctionalInterface
    public interface Action {
        /** Runs with checked arguments. */
        Reply run(QmpArgs args) throws Exception;
    }

    /** The body of a command without arguments. */
    @FunctionalInterface
    public interface NoArgAction {
        /** Runs the command. */
        Reply run() throws Exception;
    }

    public QmpCommand {
        Objects.requireNonNull(name, "name");
        params = List.copyOf(params);
        Objects.requireNonNull(action, "action");
    }

    /** A command that refuses arguments it does not declare. */
    public QmpCommand(String name, List<QmpParam> params, Action action) {
        this(name, params, action, false);
    }

    /** A command without arguments. */
    public static QmpCommand of(String name, NoArgAction action) {
        return new QmpCommand(name, List.of(), args -> action.run());
    }

    /**
     * Checks {@code arguments} against {@link #params}, with QEMU's messages for an unexpected,
     * missing or mistyped argument.
     */
    public QmpArgs bind(Map<String, Object> arguments) {
        var byName = new LinkedHashMap<String, QmpParam>();
        params.forEach(p -> byName.put(p.name(), p));
        for (String key : arguments.keySet()) {
            if (!openArguments && !byName.containsKey(key)) {
                throw QmpError.generic("Parameter '" + key + "' is unexpected");
            }
        }
        for (QmpParam p : params) {
            Object v = arguments.get(p.name());
            if (v == null && !arguments.containsKey(p.name())) {
                if (!p.optional()) {
                    throw QmpError.generic("Parameter '" + p.name() + "' is missing");
                }
            } else if (!p.type().accepts(v)) {
                throw QmpError.generic("Invalid parameter type for '" + p.name() + "', expected: " + p.type().label());
            }
        }
        return new QmpArgs(Map.copyOf(arguments));
    }
}
