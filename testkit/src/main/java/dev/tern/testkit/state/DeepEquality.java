package dev.tern.testkit.state;

import java.lang.reflect.Array;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Objects;

/** Structural equality of state records that, unlike {@code Record.equals}, compares arrays by content. */
public final class DeepEquality {

    private DeepEquality() {
    }

    /**
     * Returns the path of the first difference between {@code a} and {@code b}, or null when equal.
     */
    public static String firstDifference(Object a, Object b) {
        return diff("", a, b);
    }

    private static String diff(String path, Object a, Object b) {
        if (a == b) {
            return null;
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            if (la.size() != lb.size()) {
                return path + ": size " + la.size() + " vs " + lb.size();
            }
            for (int i = 0; i < la.size(); i++) {
                String d = diff(path + "[" + i + "]", la.get(i), lb.get(i));
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        if (a == null || b == null || a.getClass() != b.getClass()) {
            return path + ": " + a + " vs " + b;
        }
        Class<?> c = a.getClass();
        if (c.isArray()) {
            int n = Array.getLength(a);
            if (n != Array.getLength(b)) {
                return path + ": length " + n + " vs " + Array.getLength(b);
            }
            for (int i = 0; i < n; i++) {
                String d = diff(path + "[" + i + "]", Array.get(a, i), Array.get(b, i));
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        if (c.isRecord()) {
            for (RecordComponent rc : c.getRecordComponents()) {
                try {
                    rc.getAccessor().setAccessible(true);
                    String d = diff(path + "." + rc.getName(), rc.getAccessor().invoke(a), rc.getAccessor().invoke(b));
                    if (d != null) {
                        return d;
                    }
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot read " + path + "." + rc.getName(), e);
                }
            }
            return null;
        }
        return Objects.equals(a, b) ? null : path + ": " + a + " vs " + b;
    }
}
