package dev.tern.spi.state;

import java.util.List;
import java.util.Set;

/**
 * A read-only view of a state record decoded by the schema it was written with, without its class:
 * how a {@link StateUpgrader} reads a version of a section whose record class no longer exists.
 *
 * <p>Values are {@code Boolean, Byte, Short, Character, Integer, Long, Float, Double, String}
 * (enum constants appear by name), primitive arrays, nested {@code FieldView}s and {@code List}s
 * of those. The typed getters throw {@link IllegalArgumentException} naming the field when it is
 * absent or of another type, so a wrong upgrader fails the load with a precise message.
 */
public interface FieldView {

    /** The field names, in stream order. */
    Set<String> names();

    /** Whether field {@code name} was written. */
    boolean has(String name);

    /**
     * The value of {@code name} as {@code type}.
     *
     * @throws IllegalArgumentException naming the field when it is absent or of another type
     */
    <T> T get(String name, Class<T> type);

    /** An int field. */
    default int intValue(String name) {
        return get(name, Integer.class);
    }

    /** A long field. */
    default long longValue(String name) {
        return get(name, Long.class);
    }

    /** A byte field. */
    default byte byteValue(String name) {
        return get(name, Byte.class);
    }

    /** A boolean field. */
    default boolean booleanValue(String name) {
        return get(name, Boolean.class);
    }

    /** A string field, or an enum field's constant name. */
    default String string(String name) {
        return get(name, String.class);
    }

    /** A nested record field. */
    default FieldView record(String name) {
        return get(name, FieldView.class);
    }

    /** A list field; nested records in it are {@code FieldView}s. */
    default List<?> list(String name) {
        return get(name, List.class);
    }
}
