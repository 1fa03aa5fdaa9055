package dev.tern.kernel.stats;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanRegistrationException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * The machine's statistics, keyed by path ({@code /Migration/Sent/Bytes}: a leading slash, then
 * segments of letters, digits, {@code _} and {@code -}). Asking for an existing path again returns
 * the existing stat if it is of the same kind, so independent components can share one; a
 * different kind is an error.
 *
 * <p>{@link #exportJmx} publishes every stat — including ones registered later — as an MBean named
 * {@code dev.tern:type=Stats,name="<path>"}; {@link #close()} withdraws them. Thread-safe.
 */
public final class StatsRegistry implements AutoCloseable {

    private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9_-]+)+");

    private final ConcurrentSkipListMap<String, Stat> stats = new ConcurrentSkipListMap<>();
    private final List<MBeanServer> servers = new ArrayList<>();
    private final List<Exported> exported = new ArrayList<>();

    private record Exported(MBeanServer server, ObjectName name) { }

    /** The counter at {@code path}, created if new. */
    public Counter counter(String path, String unit, String description) {
        return register(path, Counter.class, p -> new Counter(p, text(unit, "unit"), text(description, "description")));
    }

    /** The profile at {@code path}, created if new; its unit is nanoseconds. */
    public Profile profile(String path, String description) {
        return register(path, Profile.class, p -> new Profile(p, text(description, "description")));
    }

    /** The gauge at {@code path}, created if new, reading {@code supplier} on demand. */
    public Gauge gauge(String path, String unit, String description, LongSupplier supplier) {
        Objects.requireNonNull(supplier, "supplier");
        return register(path, Gauge.class, p -> new Gauge(p, text(unit, "unit"), text(description, "description"), supplier));
    }

    /** The stat at {@code path}, or null. */
    public Stat get(String path) {
        return stats.get(path);
    }

    /** Every stat's current reading, by path. */
    public SortedMap<String, StatSample> snapshot() {
        SortedMap<String, StatSample> out = new TreeMap<>();
        for (Map.Entry<String, Stat> e : stats.entrySet()) {
            out.put(e.getKey(), e.getValue().sample());
        }
        return Collections.unmodifiableSortedMap(out);
    }

    /** A table for {@code info stats}: path, value and unit, description; one stat per line. */
    public String render() {
        int width = 0;
        for (String p : stats.keySet()) {
            width = Math.max(width, p.length());
        }
        StringBuilder sb = new StringBuilder();
        for (Stat s : stats.values()) {
            String value = switch (s.sample()) {
                case StatSample.Value v -> String.format(Locale.ROOT, "%,d %s", v.value(), v.unit());
                case StatSample.Timing t -> String.format(Locale.ROOT, "%,d calls, avg %,d ns (min %,d, max %,d, total %,d)",
                        t.count(), t.averageNanos(), t.minNanos(), t.maxNanos(), t.totalNanos());
            };
            sb.append(String.format(Locale.ROOT, "%-" + Math.max(width, 1) + "s  %s  %s%n", s.path(), value, s.description()));
        }
        return sb.toString();
    }

    /**
     * Registers every stat, now and in future, as an MBean in {@code server}.
     *
     * @throws IllegalStateException if a stat's name is already taken there (another registry)
     */
    public synchronized void exportJmx(MBeanServer server) {
        Objects.requireNonNull(server, "server");
        if (servers.contains(server)) {
            return;
        }
        servers.add(server);
        for (Stat s : stats.values()) {
            export(server, s);
        }
    }

    /** Removes every MBean this registry exported. The stats themselves keep working. */
    @Override
    public synchronized void close() {
        for (Exported e : exported) {
            try {
                e.server().unregisterMBean(e.name());
            } catch (InstanceNotFoundException | MBeanRegistrationException ignored) {
                // Someone else already removed it; what close() promises holds either way.
            }
        }
        exported.clear();
        servers.clear();
    }

    /** The JMX name of the stat at {@code path}. */
    public static ObjectName objectName(String path) {
        try {
            return new ObjectName("dev.tern:type=Stats,name=" + ObjectName.quote(path));
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("stat path " + path + " makes no valid JMX name", e);
        }
    }

    private synchronized <T extends Stat> T register(String path, Class<T> kind, Function<String, T> create) {
        checkPath(path);
        Stat existing = stats.get(path);
        if (existing != null) {
            if (!kind.isInstance(existing)) {
                throw new IllegalStateException("stat " + path + " is already a " + kindName(existing.getClass())
                        + ", cannot register it as a " + kindName(kind));
            }
            return kind.cast(existing);
        }
        T stat = create.apply(path);
        for (MBeanServer server : servers) {
            export(server, stat);
        }
        stats.put(path, stat);
        return stat;
    }

    private void export(MBeanServer server, Stat stat) {
        ObjectName name = objectName(stat.path());
        try {
            server.registerMBean(new StatMBean(stat), name);
        } catch (InstanceAlreadyExistsException e) {
            throw new IllegalStateException("JMX name " + name + " for stat " + stat.path() + " is already taken", e);
        } catch (JMException e) {
            throw new IllegalStateException("cannot export stat " + stat.path() + " over JMX", e);
        }
        exported.add(new Exported(server, name));
    }

    private static void checkPath(String path) {
        Objects.requireNonNull(path, "path");
        if (!PATH.matcher(path).matches()) {
            throw new IllegalArgumentException("bad stat path '" + path
                    + "': expected /Segment/Segment... with segments of [A-Za-z0-9_-]");
        }
    }

    private static String text(String s, String what) {
        return Objects.requireNonNull(s, what);
    }

    private static String kindName(Class<?> kind) {
        return kind.getSimpleName().toLowerCase(Locale.ROOT);
    }
}
