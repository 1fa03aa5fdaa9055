package dev.tern.kernel.monitor;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One argument of a QMP command.
 *
 * @param name its QAPI name
 * @param type the JSON type it must have
 * @param optional whether it may be left out
 */
public record QmpParam(String name, Type type, boolean optional) {

    /** The JSON types QAPI arguments use, with the names QEMU's errors give them. */
    public enum Type {
        STRING("string"), INT("int"), BOOLEAN("boolean"), NUMBER("number"), OBJECT("object"), ARRAY("array");

        private final String label;

        Type(String label) {
            this.label = label;
        }

        /** The name in {@code "Invalid parameter type for 'x', expected: ..."}. */
        public String label() {
            return label;
        }

        /** Whether {@code value} (as {@link dev.tern.kernel.monitor.Reply#qmp()} shapes JSON) has this type. */
        public boolean accepts(Object value) {
            return switch (this) {
                case STRING -> value instanceof String;
                case INT -> value instanceof Long;
                case BOOLEAN -> value instanceof Boolean;
                case NUMBER -> value instanceof Long || value instanceof Double;
                case OBJECT -> value instanceof Map<?, ?>;
                case ARRAY -> value instanceof List<?>;
            };
        }
    }

    public QmpParam {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
    }

    /** A required argument. */
    public static QmpParam required(String name, Type type) {
        return new QmpParam(name, type, false);
    }

    /** An optional argument. */
    public static QmpParam optional(String name, Type type) {
        return new QmpParam(name, type, true);
    }
}
