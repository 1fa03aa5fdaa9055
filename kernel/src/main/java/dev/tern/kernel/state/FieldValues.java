package dev.tern.kernel.state;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A record decoded without its class: field name to value, in stream order. Values are
 * {@code Boolean, Byte, Short, Character, Integer, Long, Float, Double, String} (enums appear as
 * their constant name), primitive arrays, nested {@code FieldValues}, and {@code List}s of those.
 * {@link StateUpgrader}s read older versions through it; the analyzer prints it.
 */
public final class FieldValues {

    private final Map<String, Object> values;

    FieldValues(Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** The field names, in stream order. */
    public Set<String> names() {
        return values.keySet();
    }

    /** Whether the stream had field {@code name}. */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** All values by name. */
    public Map<String, Object> asMap() {
        return values;
    }

    /**
     * The value of {@code name} as {@code type}.
     *
     * @throws SavedStateException naming the field when it is absent or of another type
     */
    public <T> T get(String name, Class<T> type) throws SavedStateException {
        Object v = values.get(name);
        if (v == null) {
            throw new SavedStateException("field '" + name + "' missing", -1);
        }
        if (!type.isInstance(v)) {
            throw new SavedStateException("field '" + name + "' is " + v.getClass().getSimpleName() + ", not "
                    + type.getSimpleName(), -1);
        }
        return type.cast(v);
    }

    /** An int field. */
    public int intValue(String name) throws SavedStateException {
        return get(name, Integer.class);
    }

    /** A long field. */
    public long longValue(String name) throws SavedStateException {
        return get(name, Long.class);
    }

    /** A byte field. */
    public byte byteValue(String name) throws SavedStateException {
        return get(name, Byte.class);
    }

    /** A boolean field. */
    public boolean booleanValue(String name) throws SavedStateException {
        return get(name, Boolean.class);
    }

    /** A string or enum field. */
    public String string(String name) throws SavedStateException {
        return get(name, String.class);
    }

    /** A nested record field. */
    public FieldValues record(String name) throws SavedStateException {
        return get(name, FieldValues.class);
    }

    /** A list field. */
    public List<?> list(String name) throws SavedStateException {
        return get(name, List.class);
    }

    @Override
    public String toString() {
        return ValueText.of(this);
    }
}
