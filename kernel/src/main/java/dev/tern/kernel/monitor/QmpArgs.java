package dev.tern.kernel.monitor;

import java.util.List;
import java.util.Map;

/** The arguments of one QMP command, already checked against its {@link QmpParam}s. */
public final class QmpArgs {

    private final Map<String, Object> values;

    QmpArgs(Map<String, Object> values) {
        this.values = values;
    }

    /** Whether the optional argument {@code name} was given. */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** A string argument (null when an optional one is absent). */
    public String string(String name) {
        return (String) values.get(name);
    }

    /** An integer argument, or {@code absent}. */
    public long integer(String name, long absent) {
        Object v = values.get(name);
        return v == null ? absent : (Long) v;
    }

    /** A boolean argument, or {@code absent}. */
    public boolean bool(String name, boolean absent) {
        Object v = values.get(name);
        return v == null ? absent : (Boolean) v;
    }

    /** An array argument (empty when absent). */
    public List<?> array(String name) {
        Object v = values.get(name);
        return v == null ? List.of() : (List<?>) v;
    }

    /** Every given argument by name. */
    public Map<String, Object> all() {
        return values;
    }
}
