package dev.tern.kernel.state;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * Encodes a record's values in the compact saved-state form and rebuilds records from decoded
 * {@link FieldValues}. Supported component types: {@code boolean byte short char int long float
 * double}, {@code String}, {@code byte[] short[] int[] long[]}, enums (written by constant name),
 * nested records, and {@code List}s of records, strings, enums, boxed primitives or lists. Values
 * must not be null. Recursive record types are refused (a saved state is a tree of bounded depth).
 *
 * <p>Values are written in component order without tags or names — those live once in the
 * {@link #schema()} — big-endian, floats by their raw bits, lengths and counts as unsigned varints.
 *
 * @param <R> the record type
 */
public final class RecordCodec<R extends Record> {

    private static final ClassValue<RecordCodec<?>> CACHE = new ClassValue<>() {
        @Override
        protected RecordCodec<?> computeValue(Class<?> type) {
            return build(type.asSubclass(Record.class), new ArrayDeque<>(), 0);
        }
    };

    private sealed interface Binding {
        FieldType type();
    }

    private record ScalarBinding(TypeTag tag) implements Binding {
        public FieldType type() {
            return new FieldType.Scalar(tag);
        }
    }

    private record EnumBinding(Class<? extends Enum<?>> enumType) implements Binding {
        public FieldType type() {
            return new FieldType.Scalar(TypeTag.ENUM);
        }
    }

    private record NestedBinding(RecordCodec<?> codec) implements Binding {
        public FieldType type() {
            return new FieldType.Nested(codec.schema);
        }
    }

    private record ListBinding(Binding element) implements Binding {
        public FieldType type() {
            return new FieldType.ListOf(element.type());
        }
    }

    private static final Map<Class<?>, TypeTag> DIRECT = Map.ofEntries(
            Map.entry(boolean.class, TypeTag.BOOLEAN), Map.entry(byte.class, TypeTag.BYTE),
            Map.entry(short.class, TypeTag.SHORT), Map.entry(char.class, TypeTag.CHAR),
            Map.entry(int.class, TypeTag.INT), Map.entry(long.class, TypeTag.LONG),
            Map.entry(float.class, TypeTag.FLOAT), Map.entry(double.class, TypeTag.DOUBLE),
            Map.entry(String.class, TypeTag.STRING), Map.entry(byte[].class, TypeTag.BYTES),
            Map.entry(short[].class, TypeTag.SHORTS), Map.entry(int[].class, TypeTag.INTS),
            Map.entry(long[].class, TypeTag.LONGS));

    private static final Map<Class<?>, TypeTag> BOXED = Map.of(
            Boolean.class, TypeTag.BOOLEAN, Byte.class, TypeTag.BYTE, Short.class, TypeTag.SHORT,
            Character.class, TypeTag.CHAR, Integer.class, TypeTag.INT, Long.class, TypeTag.LONG,
            Float.class, TypeTag.FLOAT, Double.class, TypeTag.DOUBLE);

    private final Class<R> type;
    private final String[] names;
    private final Method[] accessors;
    private final Binding[] bindings;
    private final Constructor<R> constructor;
    private final RecordSchema schema;

    private RecordCodec(Class<R> type, String[] names, Method[] accessors, Binding[] bindings,
            Constructor<R> constructor) {
        this.type = type;
        this.names = names;
        this.accessors = accessors;
        this.bindings = bindings;
        this.constructor = constructor;
        List<FieldSchema> fields = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            fields.add(new FieldSchema(names[i], bindings[i].type()));
        }
        this.schema = new RecordSchema(fields);
    }

    /**
     * The codec for {@code type}, derived once and cached.
     *
     * @throws IllegalArgumentException naming the component whose type is not supported
     */
    @SuppressWarnings("unchecked")
    public static <R extends Record> RecordCodec<R> of(Class<R> type) {
        return (RecordCodec<R>) CACHE.get(type);
    }

    /** The record type. */
    public Class<R> type() {
        return type;
    }

    /** The schema written into streams. */
    public RecordSchema schema() {
        return schema;
    }

    /**
     * Encodes {@code value}'s fields (no schema).
     *
     * @throws IllegalArgumentException naming the field when a value is null or a string is not valid Unicode
     */
    public byte[] encode(R value) {
        PayloadOutput out = new PayloadOutput();
        encode(value, out);
        return out.toByteArray();
    }

    /**
     * Decodes bytes written by {@link #encode(Record)} with this codec's own schema.
     *
     * @throws SavedStateException when the bytes do not hold exactly one value
     */
    public R decode(byte[] bytes) throws SavedStateException {
        String where = "record " + type.getSimpleName();
        PayloadInput in = new PayloadInput(bytes, 0, where);
        FieldValues v = ValueDecoder.read(schema, in);
        in.expectEnd();
        return fromValues(v, where);
    }

    void encode(R value, PayloadOutput out) {
        if (value == null) {
            throw new IllegalArgumentException("record " + type.getSimpleName() + " is null");
        }
        out.countValues(names.length);
        for (int i = 0; i < names.length; i++) {
            write(bindings[i], get(i, value), names[i], out);
        }
    }

    /**
     * Builds the record from values whose schema was already checked against {@link #schema()}.
     *
     * @param where message prefix naming the section
     */
    R fromValues(FieldValues values, String where) throws SavedStateException {
        Object[] args = new Object[names.length];
        for (int i = 0; i < names.length; i++) {
            if (!values.has(names[i])) {
                throw new SavedStateException(where + ": field '" + names[i] + "' missing", -1);
            }
            args[i] = convert(bindings[i], values.asMap().get(names[i]), names[i], where);
        }
        try {
            return constructor.newInstance(args);
        } catch (InvocationTargetException e) {
            Throwable c = e.getCause();
            throw new SavedStateException(where + ": record " + type.getSimpleName() + " refused the values: "
                    + c.getClass().getSimpleName() + ": " + c.getMessage(), -1, c);
        } catch (ReflectiveOperationException | IllegalArgumentException e) {
            throw new SavedStateException(where + ": cannot build record " + type.getSimpleName() + ": " + e, -1, e);
        }
    }

    private Object get(int i, R value) {
        try {
            return accessors[i].invoke(value);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("accessor " + type.getSimpleName() + "." + names[i] + " failed", e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void write(Binding b, Object v, String path, PayloadOutput out) {
        if (v == null) {
            throw new IllegalArgumentException("field '" + path + "' is null; saved state has no nulls");
        }
        switch (b) {
            case ScalarBinding s -> writeScalar(s.tag(), v, path, out);
            case EnumBinding e -> out.text(((Enum<?>) v).name(), "field '" + path + "'");
            case NestedBinding n -> encodeNested(n.codec(), (Record) v, out);
            case ListBinding l -> {
                List<?> list = (List<?>) v;
                if (list.size() > ValueDecoder.MAX_LIST) {
                    throw new IllegalArgumentException("field '" + path + "' has " + list.size()
                            + " elements, more than " + ValueDecoder.MAX_LIST);
                }
                out.varint(list.size());
                out.countValues(list.size());
                int i = 0;
                for (Object o : list) {
                    write(l.element(), o, path + "[" + i++ + "]", out);
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Record> void encodeNested(RecordCodec<T> codec, Record v, PayloadOutput out) {
        codec.encode((T) v, out);
    }

    private static void writeScalar(TypeTag tag, Object v, String path, PayloadOutput out) {
        switch (tag) {
            case BOOLEAN -> out.u8((Boolean) v ? 1 : 0);
            case BYTE -> out.u8((Byte) v);
            case SHORT -> out.u16((Short) v);
            case CHAR -> out.u16((Character) v);
            case INT -> out.i32((Integer) v);
            case LONG -> out.i64((Long) v);
            case FLOAT -> out.i32(Float.floatToRawIntBits((Float) v));
            case DOUBLE -> out.i64(Double.doubleToRawLongBits((Double) v));
            case STRING -> {
                String s = (String) v;
                byte[] b = PayloadOutput.utf8(s, "field '" + path + "'");
                if (b.length > ValueDecoder.MAX_STRING_BYTES) {
                    throw new IllegalArgumentException("field '" + path + "' is " + b.length
                            + " bytes of UTF-8, more than " + ValueDecoder.MAX_STRING_BYTES);
                }
                out.varint(b.length);
                out.write(b, 0, b.length);
            }
            case BYTES -> {
                byte[] a = (byte[]) v;
                out.varint(a.length);
                out.write(a, 0, a.length);
            }
            case SHORTS -> {
                short[] a = (short[]) v;
                out.varint(a.length);
                for (short x : a) {
                    out.u16(x);
                }
            }
            case INTS -> {
                int[] a = (int[]) v;
                out.varint(a.length);
                for (int x : a) {
                    out.i32(x);
                }
            }
            case LONGS -> {
                long[] a = (long[]) v;
                out.varint(a.length);
                for (long x : a) {
                    out.i64(x);
                }
            }
            case ENUM, RECORD, LIST -> throw new IllegalStateException("not a scalar binding: " + tag);
        }
    }

    private static Object convert(Binding b, Object v, String path, String where) throws SavedStateException {
        return switch (b) {
            case ScalarBinding s -> v;
            case EnumBinding e -> constant(e.enumType(), (String) v, path, where);
            case NestedBinding n -> n.codec().fromValues((FieldValues) v, where);
            case ListBinding l -> {
                List<?> in = (List<?>) v;
                List<Object> out = new ArrayList<>(in.size());
                int i = 0;
                for (Object o : in) {
                    out.add(convert(l.element(), o, path + "[" + i++ + "]", where));
                }
                yield List.copyOf(out);
            }
        };
    }

    private static Object constant(Class<? extends Enum<?>> type, String name, String path, String where)
            throws SavedStateException {
        for (Enum<?> c : type.getEnumConstants()) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        throw new SavedStateException(where + ": field '" + path + "' has unknown " + type.getSimpleName()
                + " constant '" + name + "'", -1);
    }

    private static <R extends Record> RecordCodec<R> build(Class<R> type, Deque<Class<?>> open, int depth) {
        if (!type.isRecord()) {
            throw new IllegalArgumentException(type.getName() + " is not a record");
        }
        if (open.contains(type)) {
            throw new IllegalArgumentException("record " + type.getSimpleName()
                    + " contains itself; saved state must be a tree");
        }
        open.push(type);
        try {
            RecordComponent[] rc = type.getRecordComponents();
            if (rc.length > RecordSchema.MAX_FIELDS) {
                throw new IllegalArgumentException("record " + type.getSimpleName() + " has more than "
                        + RecordSchema.MAX_FIELDS + " components");
            }
            String[] names = new String[rc.length];
            Method[] accessors = new Method[rc.length];
            Binding[] bindings = new Binding[rc.length];
            Class<?>[] raw = new Class<?>[rc.length];
            for (int i = 0; i < rc.length; i++) {
                names[i] = rc[i].getName();
                if (PayloadOutput.utf8(names[i], "component name").length > RecordSchema.MAX_NAME_BYTES) {
                    throw new IllegalArgumentException("record " + type.getSimpleName() + " component '" + names[i]
                            + "': name longer than " + RecordSchema.MAX_NAME_BYTES + " bytes");
                }
                accessors[i] = accessible(rc[i].getAccessor(), type);
                raw[i] = rc[i].getType();
                String where = "record " + type.getSimpleName() + " component '" + names[i] + "'";
                bindings[i] = bind(rc[i].getGenericType(), where, open, depth, false);
            }
            Constructor<R> ctor = accessible(type.getDeclaredConstructor(raw), type);
            return new RecordCodec<>(type, names, accessors, bindings, ctor);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("record " + type.getSimpleName() + " has no canonical constructor", e);
        } finally {
            open.pop();
        }
    }

    @SuppressWarnings("unchecked")
    private static Binding bind(Type t, String where, Deque<Class<?>> open, int depth, boolean element) {
        if (t instanceof Class<?> c) {
            TypeTag tag = element ? BOXED.get(c) : null;
            if (tag == null) {
                tag = DIRECT.get(c);
            }
            if (tag != null && !(element && c.isPrimitive())) {
                return new ScalarBinding(tag);
            }
            if (c.isEnum()) {
                for (Object constant : c.getEnumConstants()) {
                    if (PayloadOutput.utf8(((Enum<?>) constant).name(), "enum constant").length
                            > RecordSchema.MAX_NAME_BYTES) {
                        throw new IllegalArgumentException(where + ": enum constant " + constant + " is longer than "
                                + RecordSchema.MAX_NAME_BYTES + " bytes");
                    }
                }
                return new EnumBinding((Class<? extends Enum<?>>) c);
            }
            if (c.isRecord()) {
                checkDepth(where, depth);
                return new NestedBinding(build(c.asSubclass(Record.class), open, depth + 1));
            }
        } else if (t instanceof ParameterizedType p && p.getRawType() == List.class) {
            checkDepth(where, depth);
            return new ListBinding(bind(p.getActualTypeArguments()[0], where + " element", open, depth + 1, true));
        }
        throw new IllegalArgumentException(where + ": type " + t.getTypeName() + " is not supported in saved state");
    }

    /** Opens reflective access; a record in a named module must open its package to the kernel. */
    private static <T extends java.lang.reflect.AccessibleObject> T accessible(T member, Class<?> type) {
        try {
            member.setAccessible(true);
            return member;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("record " + type.getName() + " is not accessible to the kernel; open "
                    + type.getPackageName() + " to it", e);
        }
    }

    private static void checkDepth(String where, int depth) {
        if (depth >= FieldType.MAX_DEPTH) {
            throw new IllegalArgumentException(where + ": nested deeper than " + FieldType.MAX_DEPTH);
        }
    }
}
