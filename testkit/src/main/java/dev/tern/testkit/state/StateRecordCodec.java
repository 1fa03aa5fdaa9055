package dev.tern.testkit.state;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;

/**
 * A generic binary encoding of saved-state records, written independently of the kernel's so that
 * a device whose state record uses anything outside the SPI's permitted component types (primitives,
 * String, primitive arrays, enums, nested records, Lists of those) fails its contract test.
 */
public final class StateRecordCodec {

    private StateRecordCodec() {
    }

    /** Encodes {@code state}. */
    public static byte[] encode(Record state) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeValue(out, state.getClass(), state);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Decodes bytes written by {@link #encode} as a {@code type}. */
    public static <R extends Record> R decode(Class<R> type, byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            R r = type.cast(readValue(in, type, type));
            if (in.available() != 0) {
                throw new IllegalStateException(in.available() + " bytes left after decoding " + type.getName());
            }
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeValue(DataOutputStream out, Type generic, Object v) throws IOException {
        Class<?> c = raw(generic);
        if (c.isPrimitive()) {
            writePrimitive(out, c, v);
        } else if (c == String.class) {
            out.writeBoolean(v != null);
            if (v != null) {
                out.writeUTF((String) v);
            }
        } else if (c.isArray() && c.getComponentType().isPrimitive()) {
            out.writeInt(v == null ? -1 : Array.getLength(v));
            for (int i = 0; v != null && i < Array.getLength(v); i++) {
                writePrimitive(out, c.getComponentType(), Array.get(v, i));
            }
        } else if (c.isEnum()) {
            out.writeInt(((Enum<?>) v).ordinal());
        } else if (c.isRecord()) {
            for (RecordComponent rc : c.getRecordComponents()) {
                writeValue(out, rc.getGenericType(), component(rc, v));
            }
        } else if (c == List.class) {
            List<?> list = (List<?>) v;
            Type element = ((ParameterizedType) generic).getActualTypeArguments()[0];
            out.writeInt(list.size());
            for (Object e : list) {
                writeValue(out, element, e);
            }
        } else {
            throw new IllegalArgumentException("state component type " + generic.getTypeName()
                    + " is not allowed in a saved-state record");
        }
    }

    private static Object readValue(DataInputStream in, Type generic, Class<?> owner) throws IOException {
        Class<?> c = raw(generic);
        if (c.isPrimitive()) {
            return readPrimitive(in, c);
        } else if (c == String.class) {
            return in.readBoolean() ? in.readUTF() : null;
        } else if (c.isArray()) {
            int n = in.readInt();
            if (n < 0) {
                return null;
            }
            Object a = Array.newInstance(c.getComponentType(), n);
            for (int i = 0; i < n; i++) {
                Array.set(a, i, readPrimitive(in, c.getComponentType()));
            }
            return a;
        } else if (c.isEnum()) {
            return c.getEnumConstants()[in.readInt()];
        } else if (c.isRecord()) {
            RecordComponent[] rcs = c.getRecordComponents();
            Object[] args = new Object[rcs.length];
            Class<?>[] types = new Class<?>[rcs.length];
            for (int i = 0; i < rcs.length; i++) {
                args[i] = readValue(in, rcs[i].getGenericType(), c);
                types[i] = rcs[i].getType();
            }
            try {
                var constructor = c.getDeclaredConstructor(types);
                constructor.setAccessible(true);
                return constructor.newInstance(args);
            } catch (InvocationTargetException e) {
                throw new IllegalStateException("record " + c.getName() + " refused its own saved values: "
                        + e.getCause(), e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot construct " + c.getName() + " (in " + owner.getName() + ")", e);
            }
        } else if (c == List.class) {
            Type element = ((ParameterizedType) generic).getActualTypeArguments()[0];
            int n = in.readInt();
            List<Object> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                list.add(readValue(in, element, owner));
            }
            return List.copyOf(list);
        }
        throw new IllegalArgumentException("state component type " + generic.getTypeName() + " is not allowed");
    }

    private static Object component(RecordComponent rc, Object record) {
        try {
            rc.getAccessor().setAccessible(true);
            return rc.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read component " + rc.getName(), e);
        }
    }

    private static Class<?> raw(Type t) {
        if (t instanceof Class<?> c) {
            return c;
        }
        if (t instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        throw new IllegalArgumentException("state component type " + t.getTypeName() + " is not allowed");
    }

    private static void writePrimitive(DataOutputStream out, Class<?> c, Object v) throws IOException {
        switch (v) {
            case Boolean b -> out.writeBoolean(b);
            case Byte b -> out.writeByte(b);
            case Short s -> out.writeShort(s);
            case Character ch -> out.writeChar(ch);
            case Integer i -> out.writeInt(i);
            case Long l -> out.writeLong(l);
            case Float f -> out.writeFloat(f);
            case Double d -> out.writeDouble(d);
            default -> throw new IllegalArgumentException("unexpected primitive " + c);
        }
    }

    private static Object readPrimitive(DataInputStream in, Class<?> c) throws IOException {
        if (c == boolean.class) {
            return in.readBoolean();
        } else if (c == byte.class) {
            return in.readByte();
        } else if (c == short.class) {
            return in.readShort();
        } else if (c == char.class) {
            return in.readChar();
        } else if (c == int.class) {
            return in.readInt();
        } else if (c == long.class) {
            return in.readLong();
        } else if (c == float.class) {
            return in.readFloat();
        } else if (c == double.class) {
            return in.readDouble();
        }
        throw new IllegalArgumentException("unexpected primitive " + c);
    }
}
