package dev.tern.kernel.state;

/**
 * The one-byte type tags of the saved-state schema. Each scalar tag fixes its value encoding
 * (big-endian, see docs/formats/saved-state.md); {@link #RECORD} and {@link #LIST} are followed in
 * the schema by a nested schema or element type.
 */
public enum TypeTag {
    BOOLEAN(0x01, "boolean", 1),
    BYTE(0x02, "byte", 1),
    SHORT(0x03, "short", 2),
    CHAR(0x04, "char", 2),
    INT(0x05, "int", 4),
    LONG(0x06, "long", 8),
    FLOAT(0x07, "float", 4),
    DOUBLE(0x08, "double", 8),
    STRING(0x09, "string", 1),
    ENUM(0x0A, "enum", 1),
    BYTES(0x0B, "byte[]", 1),
    SHORTS(0x0C, "short[]", 1),
    INTS(0x0D, "int[]", 1),
    LONGS(0x0E, "long[]", 1),
    RECORD(0x10, "record", 0),
    LIST(0x11, "list", 1);

    private final int code;
    private final String label;
    private final int minSize;

    TypeTag(int code, String label, int minSize) {
        this.code = code;
        this.label = label;
        this.minSize = minSize;
    }

    /** The byte written in the schema. */
    public int code() {
        return code;
    }

    /** The name used in the JSON trailer and analyzer output. */
    public String label() {
        return label;
    }

    /** Fewest bytes one value occupies (a record's depends on its fields). */
    int minSize() {
        return minSize;
    }

    /** Size of one element of an array tag, or 0 when this is not an array. */
    int arrayElementSize() {
        return switch (this) {
            case BYTES -> 1;
            case SHORTS -> 2;
            case INTS -> 4;
            case LONGS -> 8;
            default -> 0;
        };
    }

    /** The tag for {@code code}, or null when no tag has it. */
    static TypeTag ofCode(int code) {
        for (TypeTag t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }

    /** The tag labelled {@code label}, or null. */
    static TypeTag ofLabel(String label) {
        for (TypeTag t : values()) {
            if (t.label.equals(label)) {
                return t;
            }
        }
        return null;
    }
}
