package dev.tern.kernel.state;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Decodes values by a stream schema, without any class: the generic half of {@link RecordCodec}. */
final class ValueDecoder {

    /** Longest string value, in UTF-8 bytes. */
    static final int MAX_STRING_BYTES = 1 << 20;
    /** Most elements of one list (elements may be zero-size records, so the payload alone cannot bound it). */
    static final int MAX_LIST = 1 << 20;

    /** The message of a read that cannot fail (see {@link #scalar}). */
    private static final String FITS = "a value that fits";

    private ValueDecoder() { }

    private static boolean fixedSize(TypeTag tag) {
        return switch (tag) {
            case BOOLEAN, BYTE, SHORT, CHAR, INT, LONG, FLOAT, DOUBLE -> true;
            default -> false;
        };
    }

    static FieldValues read(RecordSchema schema, PayloadInput in) throws SavedStateException {
        in.chargeValues(schema.fields().size(), "record");
        Map<String, Object> m = new LinkedHashMap<>();
        for (FieldSchema f : schema.fields()) {
            m.put(f.name(), value(f.type(), f.name(), in));
        }
        return new FieldValues(m);
    }

    private static Object value(FieldType type, String path, PayloadInput in) throws SavedStateException {
        return switch (type) {
            case FieldType.Scalar s -> scalar(s.tag(), path, in);
            case FieldType.Nested n -> read(n.schema(), in);
            case FieldType.ListOf l -> list(l.element(), path, in);
        };
    }

    private static List<Object> list(FieldType element, String path, PayloadInput in) throws SavedStateException {
        int n = in.count("field '" + path + "' list size", element.minSize(), MAX_LIST);
        in.chargeValues(n, "field '" + path + "'");
        if (n > 0 && element.minSize() == 0) {
            // Elements of no bytes (records of only such records) are all one value, which the
            // payload cannot bound the count of: one decoded value, not n of them (a few bytes of
            // hostile stream must not make the loader allocate for the whole value budget).
            return java.util.Collections.nCopies(n, value(element, path + "[0]", in));
        }
        List<Object> out = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            // a record's own fields name themselves: no element path is built for it
            out.add(element instanceof FieldType.Nested nested ? read(nested.schema(), in)
                    : value(element, path + "[" + i + "]", in));
        }
        return List.copyOf(out);
    }

    private static Object scalar(TypeTag tag, String path, PayloadInput in) throws SavedStateException {
        // A fixed-size value that fits cannot fail to read: its message, made per value, is made
        // only when it can be needed (most of a device section's values are such).
        String what = fixedSize(tag) && in.remaining() >= tag.minSize() ? FITS : "field '" + path + "'";
        return switch (tag) {
            case BOOLEAN -> {
                long at = in.offset();
                int b = in.u8(what);
                if (b > 1) {
                    throw new SavedStateException(in.context() + ": field '" + path + "' boolean byte is " + b
                            + ", not 0 or 1", at);
                }
                yield b == 1;
            }
            case BYTE -> (byte) in.u8(what);
            case SHORT -> (short) in.u16(what);
            case CHAR -> (char) in.u16(what);
            case INT -> in.i32(what);
            case LONG -> in.i64(what);
            case FLOAT -> Float.intBitsToFloat(in.i32(what));
            case DOUBLE -> Double.longBitsToDouble(in.i64(what));
            case STRING -> in.text(what, MAX_STRING_BYTES);
            case ENUM -> in.text(what + " enum constant", RecordSchema.MAX_NAME_BYTES);
            case BYTES -> in.bytes(in.count(what + " array length", 1, Integer.MAX_VALUE), what);
            case SHORTS -> {
                short[] a = new short[in.count(what + " array length", 2, Integer.MAX_VALUE)];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (short) in.u16(what);
                }
                yield a;
            }
            case INTS -> {
                int[] a = new int[in.count(what + " array length", 4, Integer.MAX_VALUE)];
                for (int i = 0; i < a.length; i++) {
                    a[i] = in.i32(what);
                }
                yield a;
            }
            case LONGS -> {
                long[] a = new long[in.count(what + " array length", 8, Integer.MAX_VALUE)];
                for (int i = 0; i < a.length; i++) {
                    a[i] = in.i64(what);
                }
                yield a;
            }
            case RECORD, LIST -> throw new IllegalStateException("not scalar: " + tag);
        };
    }
}
