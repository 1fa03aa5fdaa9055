package dev.tern.kernel.state;

import java.util.Objects;

/**
 * One named field of a {@link RecordSchema}.
 *
 * @param name the record component's name
 * @param type its stream type
 */
public record FieldSchema(String name, FieldType type) {

    public FieldSchema {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
    }
}
