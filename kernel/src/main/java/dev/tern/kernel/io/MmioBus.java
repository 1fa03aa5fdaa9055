package dev.tern.kernel.io;

import dev.tern.spi.Registration;
import dev.tern.spi.io.MmioHandler;
import dev.tern.spi.io.MmioSpace;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The memory-mapped I/O space. Lookups are lock-free: mappings live in a sorted array published
 * through a volatile field and searched by binary search; {@link #map} and unmapping build a new
 * array under a lock (copy-on-write), so the guest can move BARs while other vCPUs access devices.
 *
 * <p>An access goes to the mapping containing its first byte, with the offset from the mapping's
 * base; reads of unmapped addresses return all-ones of the access size and writes are dropped.
 */
public final class MmioBus implements MmioSpace {

    private record Mapping(String owner, long base, long length, MmioHandler handler) {
        long last() {
            return base + length - 1;
        }
    }

    private static final Mapping[] EMPTY = new Mapping[0];

    private volatile Mapping[] mappings = EMPTY;
    private final Object lock = new Object();
    /** Each vCPU's view, index = vCPU id (created by {@link #cpuView}). */
    private final List<CpuMmioView> views = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * The space as vCPU {@code vcpu} sees it: its own mappings ({@link #mapForCpu}) in front of the
     * shared ones. Views are created in vCPU order, once each.
     */
    public MmioSpace cpuView(int vcpu) {
        synchronized (lock) {
            if (vcpu != views.size()) {
                throw new IllegalStateException("vCPU views are created in order: expected vCPU " + views.size() + ", not " + vcpu);
            }
            var view = new CpuMmioView(this, new MmioBus());
            views.add(view);
            return view;
        }
    }

    @Override
    public Registration mapForCpu(int vcpu, String owner, long base, long length, MmioHandler handler) {
        if (vcpu < 0 || vcpu >= views.size()) {
            throw new IllegalArgumentException(owner + ": vCPU " + vcpu + " does not exist (the machine has "
                    + views.size() + ")");
        }
        return views.get(vcpu).own().map(owner, base, length, handler);
    }

    /** Whether anything is mapped at all (a cheap test for per-vCPU spaces that are usually empty). */
    boolean isEmpty() {
        return mappings.length == 0;
    }

    @Override
    public Registration map(String owner, long base, long length, MmioHandler handler) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(handler, "handler");
        if (base < 0 || length <= 0 || base + length < base) {
            throw new IllegalArgumentException(String.format("%s: bad MMIO range base 0x%x length 0x%x", owner, base, length));
        }
        Mapping m = new Mapping(owner, base, length, handler);
        synchronized (lock) {
            Mapping[] cur = mappings;
            int at = insertionPoint(cur, base);
            checkOverlap(m, at > 0 ? cur[at - 1] : null);
            checkOverlap(m, at < cur.length ? cur[at] : null);
            Mapping[] next = new Mapping[cur.length + 1];
            System.arraycopy(cur, 0, next, 0, at);
            next[at] = m;
            System.arraycopy(cur, at, next, at + 1, cur.length - at);
            mappings = next;
        }
        return () -> unmap(m);
    }

    private void unmap(Mapping m) {
        synchronized (lock) {
            Mapping[] cur = mappings;
            // Identity, not equals: a stale registration must not remove an equal later mapping.
            int at = 0;
            while (at < cur.length && cur[at] != m) {
                at++;
            }
            if (at == cur.length) {
                return;
            }
            Mapping[] next = new Mapping[cur.length - 1];
            System.arraycopy(cur, 0, next, 0, at);
            System.arraycopy(cur, at + 1, next, at, cur.length - at - 1);
            mappings = next;
        }
    }

    @Override
    public long read(long gpa, int size) {
        checkSize(gpa, size);
        Mapping m = find(mappings, gpa);
        if (m == null) {
            return mask(-1L, size);
        }
        return mask(m.handler().read(gpa - m.base(), size), size);
    }

    @Override
    public void write(long gpa, int size, long value) {
        checkSize(gpa, size);
        Mapping m = find(mappings, gpa);
        if (m != null) {
            m.handler().write(gpa - m.base(), size, mask(value, size));
        }
    }

    @Override
    public boolean isMapped(long gpa) {
        return find(mappings, gpa) != null;
    }

    /** The owner of the mapping containing {@code gpa}, or null. */
    public String ownerOf(long gpa) {
        Mapping m = find(mappings, gpa);
        return m == null ? null : m.owner();
    }

    /** One line per mapping in address order, like {@code 0x00000000fee00000-0x00000000fee00fff : lapic}. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        for (Mapping m : mappings) {
            lines.add(String.format("0x%016x-0x%016x : %s", m.base(), m.last(), m.owner()));
        }
        return lines;
    }

    /** The mapping whose range contains {@code gpa}: the last one with base <= gpa, if it reaches. */
    private static Mapping find(Mapping[] arr, long gpa) {
        int lo = 0;
        int hi = arr.length - 1;
        Mapping best = null;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Mapping m = arr[mid];
            if (m.base() <= gpa) {
                best = m;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return best != null && gpa - best.base() < best.length() ? best : null;
    }

    private static int insertionPoint(Mapping[] arr, long base) {
        int at = 0;
        while (at < arr.length && arr[at].base() < base) {
            at++;
        }
        return at;
    }

    private static void checkOverlap(Mapping m, Mapping other) {
        if (other != null && m.base() <= other.last() && other.base() <= m.last()) {
            throw new IllegalStateException(String.format(
                    "%s cannot map 0x%x-0x%x: overlaps %s at 0x%x-0x%x",
                    m.owner(), m.base(), m.last(), other.owner(), other.base(), other.last()));
        }
    }

    private static long mask(long value, int size) {
        return size == 8 ? value : value & ((1L << (size * 8)) - 1);
    }

    private static void checkSize(long gpa, int size) {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException(String.format("MMIO at 0x%x: bad access size %d (1, 2, 4 or 8)", gpa, size));
        }
    }
}
