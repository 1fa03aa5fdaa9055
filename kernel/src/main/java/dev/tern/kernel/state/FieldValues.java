package dev.tern.kernel.state;

import dev.tern.spi.state.FieldView;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A record decoded without its class: field name to value, in stream order. Values are
 * {@code Boolean, Byte, Short, Character, Integer, Long, Float, Double, String} (enums appear as
 * their constant name), primitive arrays, nested {@code FieldValues}, and {@code List}s of those.
 * {@link FieldView upgraders} read older versions through it; the analyzer prints it.
 */
public final class FieldValues implements FieldView {

    private final Map<String, Object> values;

    FieldValues(Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    @Override
    public Set<String> names() {
        return values.keySet();
    }

    @Override
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
     * @throws IllegalArgumentException naming the field when it is absent or of another type
     */
    @Override
    public <T> T get(String name, Class<T> type) {
        Object v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("field '" + name + "' missing");
        }
        if (!type.isInstance(v)) {
            throw new IllegalArgumentException("field '" + name + "' is " + v.getClass().getSimpleName() + ", not "
                    + type.getSimpleName());
        }
        return type.cast(v);
    }

    /** A nested record field. */
    @Override
    public FieldValues record(String name) {
        return get(name, FieldValues.class);
    }

    @Override
    public String toString() {
        return ValueText.of(this);
    }
}
