package dev.tern.kernel.state;

import java.util.LinkedHashMap;
import java.util.Map;

/** The type of one field in a {@link RecordSchema}, as written in the stream. */
public sealed interface FieldType {

    /** Limits every schema's nesting (records and lists each add a level). */
    int MAX_DEPTH = 16;

    /** A primitive, string, enum (by constant name) or primitive array. */
    record Scalar(TypeTag tag) implements FieldType {
        public Scalar {
            if (tag == TypeTag.RECORD || tag == TypeTag.LIST) {
                throw new IllegalArgumentException("not a scalar tag: " + tag);
            }
        }
    }

    /** A nested record. */
    record Nested(RecordSchema schema) implements FieldType { }

    /** A list of {@code element}. */
    record ListOf(FieldType element) implements FieldType { }

    /** The tag written first for this type. */
    default TypeTag tag() {
        return switch (this) {
            case Scalar s -> s.tag();
            case Nested n -> TypeTag.RECORD;
            case ListOf l -> TypeTag.LIST;
        };
    }

    /** Human-readable, e.g. {@code list<record>}. */
    default String describe() {
        return switch (this) {
            case Scalar s -> s.tag().label();
            case Nested n -> "record";
            case ListOf l -> "list<" + l.element().describe() + ">";
        };
    }

    /** Fewest bytes one value of this type occupies; lets readers bound element counts. */
    default int minSize() {
        return switch (this) {
            case Scalar s -> s.tag().minSize();
            case Nested n -> n.schema().minSize();
            case ListOf l -> 1;
        };
    }

    /** Writes tag plus nested description. */
    default void write(PayloadOutput out) {
        out.u8(tag().code());
        switch (this) {
            case Scalar s -> { }
            case Nested n -> n.schema().write(out);
            case ListOf l -> l.element().write(out);
        }
    }

    /** Reads a type written by {@link #write}. */
    static FieldType read(PayloadInput in, int depth) throws SavedStateException {
        long at = in.offset();
        int code = in.u8("type tag");
        TypeTag tag = TypeTag.ofCode(code);
        if (tag == null) {
            throw new SavedStateException(in.context() + ": unknown type tag 0x" + Integer.toHexString(code), at);
        }
        if ((tag == TypeTag.RECORD || tag == TypeTag.LIST) && depth >= MAX_DEPTH) {
            throw new SavedStateException(in.context() + ": schema nested deeper than " + MAX_DEPTH, at);
        }
        return switch (tag) {
            case RECORD -> new Nested(RecordSchema.read(in, depth + 1));
            case LIST -> new ListOf(read(in, depth + 1));
            default -> new Scalar(tag);
        };
    }

    /** The JSON form used in the trailer. */
    default Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", tag().label());
        switch (this) {
            case Scalar s -> { }
            case Nested n -> m.put("fields", n.schema().toJson());
            case ListOf l -> m.put("element", l.element().toJson());
        }
        return m;
    }
}
