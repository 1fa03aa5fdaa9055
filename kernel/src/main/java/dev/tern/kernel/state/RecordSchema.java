package dev.tern.kernel.state;

import dev.tern.kernel.json.JsonValues;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The names and types of a record's fields, in component order. Written into every section so a
 * reader can decode without the class (the analyzer) and a loader can match fields by name.
 * Immutable; equal when the fields are equal.
 */
public final class RecordSchema {

    /** Most fields one record may declare. */
    public static final int MAX_FIELDS = 256;
    /** Longest field name, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 255;

    private final List<FieldSchema> fields;
    /** Cached: decoders ask for it once per list value, and schemas nest. */
    private final int minSize;
    /**
     * The stream bytes and the trailer's JSON text, made on first use: a record type's schema is
     * the same in every stream, so a writer (a migration's pause, a checkpoint) copies them instead
     * of encoding the schema again. Races only make the same value twice (volatile: an array's
     * elements are published with it).
     */
    private volatile byte[] encoded;
    private volatile String json;

    /**
     * @param fields the fields, names unique
     */
    public RecordSchema(List<FieldSchema> fields) {
        this.fields = List.copyOf(fields);
        Set<String> seen = new HashSet<>();
        long size = 0;
        for (FieldSchema f : this.fields) {
            if (!seen.add(f.name())) {
                throw new IllegalArgumentException("duplicate field '" + f.name() + "'");
            }
            size += f.type().minSize();
        }
        this.minSize = (int) Math.min(size, Integer.MAX_VALUE);
    }

    /** The fields, in order. */
    public List<FieldSchema> fields() {
        return fields;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecordSchema r && r.fields.equals(fields);
    }

    @Override
    public int hashCode() {
        return fields.hashCode();
    }

    @Override
    public String toString() {
        return "RecordSchema" + fields;
    }

    /** Derives the schema of a record class (see {@link RecordCodec} for the supported types). */
    public static RecordSchema of(Class<? extends Record> type) {
        return RecordCodec.of(type).schema();
    }

    /** The field called {@code name}, or null. */
    public FieldSchema field(String name) {
        for (FieldSchema f : fields) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        return null;
    }

    /** Fewest bytes one value occupies. */
    int minSize() {
        return minSize;
    }

    void write(PayloadOutput out) {
        byte[] b = encoded();
        out.write(b, 0, b.length);
    }

    private byte[] encoded() {
        byte[] b = encoded;
        if (b == null) {
            PayloadOutput p = new PayloadOutput();
            p.varint(fields.size());
            for (FieldSchema f : fields) {
                p.text(f.name(), "field name");
                f.type().write(p);
            }
            b = p.toByteArray();
            encoded = b;
        }
        return b;
    }

    /**
     * Reads a schema, taking {@code expected} itself when the stream holds exactly its bytes — the
     * common case of a stream written by this build, which then costs a comparison instead of a
     * parse and a field-by-field match ({@link #requireSameAs} of a schema with itself is free).
     *
     * @param expected the schema the caller will require, or null
     */
    static RecordSchema read(PayloadInput in, RecordSchema expected) throws SavedStateException {
        if (expected != null && in.skipIfNext(expected.encoded())) {
            return expected;
        }
        return read(in, 0);
    }

    static RecordSchema read(PayloadInput in, int depth) throws SavedStateException {
        int n = in.count("field count", 2, MAX_FIELDS);
        List<FieldSchema> fields = new ArrayList<>(n);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            long at = in.offset();
            String name = in.text("field name", MAX_NAME_BYTES);
            if (name.isEmpty() || !seen.add(name)) {
                throw new SavedStateException(in.context() + ": schema field name '" + name
                        + "' is empty or repeated", at);
            }
            fields.add(new FieldSchema(name, FieldType.read(in, depth)));
        }
        return new RecordSchema(fields);
    }

    /** The trailer's compact JSON text of {@link #toJson()}, made once. */
    String json() {
        String j = json;
        if (j == null) {
            j = JsonValues.writeCompact(toJson());
            json = j;
        }
        return j;
    }

    /** The JSON form used in the trailer: a list of {name, type, ...}. */
    List<Object> toJson() {
        List<Object> out = new ArrayList<>();
        for (FieldSchema f : fields) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", f.name());
            m.putAll(f.type().toJson());
            out.add(m);
        }
        return out;
    }

    /**
     * Checks that a stream's schema ({@code this}) has exactly the fields of {@code target}, matched
     * by name, with equal types; order may differ.
     *
     * @param where message prefix, e.g. {@code "section 'uart16550' instance 0"}
     * @param offset stream offset of the schema, for the message
     */
    void requireSameAs(RecordSchema target, String where, long offset) throws SavedStateException {
        if (target == this) {
            return;
        }
        compare(target, "", where, offset);
    }

    private void compare(RecordSchema target, String prefix, String where, long offset) throws SavedStateException {
        for (FieldSchema want : target.fields) {
            FieldSchema got = field(want.name());
            String path = prefix + want.name();
            if (got == null) {
                throw new SavedStateException(where + ": field '" + path + "' missing", offset);
            }
            compareTypes(got.type(), want.type(), path, where, offset);
        }
        for (FieldSchema got : fields) {
            if (target.field(got.name()) == null) {
                throw new SavedStateException(where + ": unknown field '" + prefix + got.name() + "'", offset);
            }
        }
    }

    private static void compareTypes(FieldType got, FieldType want, String path, String where, long offset)
            throws SavedStateException {
        if (got.tag() != want.tag()) {
            throw new SavedStateException(where + ": field '" + path + "' is " + got.describe() + " in the stream but "
                    + want.describe() + " is expected", offset);
        }
        switch (want) {
            case FieldType.Nested n -> ((FieldType.Nested) got).schema().compare(n.schema(), path + ".", where, offset);
            case FieldType.ListOf l -> compareTypes(((FieldType.ListOf) got).element(), l.element(), path + "[]",
                    where, offset);
            case FieldType.Scalar s -> { }
        }
    }
}
