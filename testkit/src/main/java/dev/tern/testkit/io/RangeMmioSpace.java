package dev.tern.testkit.io;

import dev.tern.spi.Registration;
import dev.tern.spi.io.MmioHandler;
import dev.tern.spi.io.MmioSpace;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** An MMIO space of non-overlapping ranges kept in a sorted map, for tests. */
public final class RangeMmioSpace implements MmioSpace {

    /** One mapping. */
    public record Mapping(String owner, long base, long length, MmioHandler handler) {
        boolean contains(long gpa) {
            return gpa >= base && gpa - base < length;
        }
    }

    private final TreeMap<Long, Mapping> mappings = new TreeMap<>();

    @Override
    public synchronized Registration map(String owner, long base, long length, MmioHandler handler) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(handler, "handler");
        if (length <= 0 || base + length < base) {
            throw new IllegalArgumentException(owner + ": MMIO range 0x" + Long.toHexString(base)
                    + "+0x" + Long.toHexString(length) + " is empty or wraps");
        }
        Map.Entry<Long, Mapping> below = mappings.floorEntry(base + length - 1);
        if (below != null && below.getValue().base() + below.getValue().length() > base) {
            throw new IllegalStateException(owner + ": MMIO range at 0x" + Long.toHexString(base)
                    + " overlaps " + below.getValue().owner());
        }
        Mapping m = new Mapping(owner, base, length, handler);
        mappings.put(base, m);
        return () -> {
            synchronized (this) {
                mappings.remove(base, m);
            }
        };
    }

    @Override
    public long read(long gpa, int size) {
        Mapping m = find(gpa);
        return m == null ? mask(size) : m.handler().read(gpa - m.base(), size) & mask(size);
    }

    @Override
    public void write(long gpa, int size, long value) {
        Mapping m = find(gpa);
        if (m != null) {
            m.handler().write(gpa - m.base(), size, value & mask(size));
        }
    }

    @Override
    public boolean isMapped(long gpa) {
        return find(gpa) != null;
    }

    private final Map<Integer, RangeMmioSpace> cpuSpaces = new java.util.HashMap<>();

    /** Maps into the space {@link #cpu(int)} returns: what vCPU {@code vcpu} alone sees. */
    @Override
    public Registration mapForCpu(int vcpu, String owner, long base, long length, MmioHandler handler) {
        return cpu(vcpu).map(owner, base, length, handler);
    }

    /** The mappings only vCPU {@code vcpu} sees (its own space; reads and writes reach them directly). */
    public synchronized RangeMmioSpace cpu(int vcpu) {
        if (vcpu < 0) {
            throw new IllegalArgumentException("vCPU " + vcpu);
        }
        return cpuSpaces.computeIfAbsent(vcpu, v -> new RangeMmioSpace());
    }

    /** The current mappings, by base. */
    public synchronized List<Mapping> mappings() {
        return new ArrayList<>(mappings.values());
    }

    private synchronized Mapping find(long gpa) {
        Map.Entry<Long, Mapping> e = mappings.floorEntry(gpa);
        return e != null && e.getValue().contains(gpa) ? e.getValue() : null;
    }

    private static long mask(int size) {
        return switch (size) {
            case 1 -> 0xffL;
            case 2 -> 0xffffL;
            case 4 -> 0xffff_ffffL;
            case 8 -> -1L;
            default -> throw new IllegalArgumentException("MMIO access size " + size + " is not 1, 2, 4 or 8");
        };
    }
}
