package dev.tern.kernel.monitor.qmp;

import dev.tern.kernel.monitor.QmpError;

import java.util.Map;

/**
 * One well-formed QMP command message: {@code {"execute": NAME, "arguments": {...}, "id": ANY}}.
 *
 * @param execute the command name
 * @param arguments its arguments (empty when absent)
 * @param id the client's id, echoed in the reply (null when absent)
 * @param hasId whether the message had an id (it may be JSON null)
 */
record QmpRequest(String execute, Map<String, Object> arguments, Object id, boolean hasId) {

    /**
     * Checks a parsed message with QEMU's wording for each defect. The id is taken first so an
     * error about the rest of the message still echoes it.
     */
    @SuppressWarnings("unchecked")
    static QmpRequest of(Object message) {
        if (!(message instanceof Map<?, ?> m)) {
            throw QmpError.generic("QMP input must be a JSON object");
        }
        for (Object key : m.keySet()) {
            if (!key.equals("execute") && !key.equals("arguments") && !key.equals("id")) {
                throw QmpError.generic("QMP input member '" + key + "' is unexpected");
            }
        }
        Object execute = m.get("execute");
        if (execute == null) {
            throw QmpError.generic("QMP input lacks member 'execute'");
        }
        if (!(execute instanceof String name)) {
            throw QmpError.generic("QMP input member 'execute' must be a string");
        }
        Object arguments = m.containsKey("arguments") ? m.get("arguments") : Map.of();
        if (!(arguments instanceof Map<?, ?> args)) {
            throw QmpError.generic("QMP input member 'arguments' must be an object");
        }
        return new QmpRequest(name, (Map<String, Object>) args, m.get("id"), m.containsKey("id"));
    }
}
