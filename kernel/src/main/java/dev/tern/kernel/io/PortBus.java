package dev.tern.kernel.io;

import dev.tern.spi.Registration;
import dev.tern.spi.io.PortIoHandler;
import dev.tern.spi.io.PortIoSpace;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The x86 I/O port space with O(1) dispatch: a 65536-entry table maps every port to its claim.
 *
 * <p>An access is routed by its <em>first</em> port only. A 2- or 4-byte access whose first port
 * is claimed goes wholly to that handler, which sees the size (and may see ports past its range if
 * the guest straddles the end — real chipsets split such cycles, guests do not rely on it). An
 * access whose first port is unclaimed reads all-ones of the access size and a write is dropped,
 * even if later bytes would fall in a claim.
 *
 * <p>Claims change under a lock; dispatch reads the table without locking, so a device can be moved
 * (an I/O BAR reprogrammed) while vCPUs run.
 */
public final class PortBus implements PortIoSpace {

    /** Number of ports. */
    public static final int PORTS = 0x10000;

    private record Claim(String owner, int base, int count, PortIoHandler handler) { }

    private final AtomicReferenceArray<Claim> table = new AtomicReferenceArray<>(PORTS);
    private final Object lock = new Object();

    @Override
    public Registration register(String owner, int base, int count, PortIoHandler handler) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(handler, "handler");
        if (base < 0 || base >= PORTS || count <= 0 || count > PORTS - base) {
            throw new IllegalArgumentException(String.format(
                    "%s: bad port range base 0x%x count %d (ports are 0x0000-0xffff)", owner, base, count));
        }
        Claim claim = new Claim(owner, base, count, handler);
        synchronized (lock) {
            for (int p = base; p < base + count; p++) {
                Claim other = table.get(p);
                if (other != null) {
                    throw new IllegalStateException(String.format(
                            "%s cannot claim port 0x%04x: already claimed by %s (0x%04x-0x%04x)",
                            owner, p, other.owner(), other.base(), other.base() + other.count() - 1));
                }
            }
            for (int p = base; p < base + count; p++) {
                table.set(p, claim);
            }
        }
        return () -> unregister(claim);
    }

    private void unregister(Claim claim) {
        synchronized (lock) {
            for (int p = claim.base(); p < claim.base() + claim.count(); p++) {
                table.compareAndSet(p, claim, null);
            }
        }
    }

    @Override
    public int read(int port, int size) {
        checkAccess(port, size);
        Claim c = table.get(port);
        if (c == null) {
            return mask(-1, size);
        }
        return mask(c.handler().read(port, size), size);
    }

    @Override
    public void write(int port, int size, int value) {
        checkAccess(port, size);
        Claim c = table.get(port);
        if (c != null) {
            c.handler().write(port, size, mask(value, size));
        }
    }

    /** The owner of {@code port}, or null. */
    public String ownerOf(int port) {
        checkPort(port);
        Claim c = table.get(port);
        return c == null ? null : c.owner();
    }

    /** One line per claim in port order, like {@code 0x03f8-0x03ff : serial0}. */
    public List<String> describe() {
        LinkedHashSet<Claim> claims = new LinkedHashSet<>();
        for (int p = 0; p < PORTS; p++) {
            Claim c = table.get(p);
            if (c != null) {
                claims.add(c);
            }
        }
        List<String> lines = new ArrayList<>();
        for (Claim c : claims) {
            lines.add(String.format("0x%04x-0x%04x : %s", c.base(), c.base() + c.count() - 1, c.owner()));
        }
        return lines;
    }

    private static int mask(int value, int size) {
        return switch (size) {
            case 1 -> value & 0xFF;
            case 2 -> value & 0xFFFF;
            default -> value;
        };
    }

    private static void checkAccess(int port, int size) {
        checkPort(port);
        if (size != 1 && size != 2 && size != 4) {
            throw new IllegalArgumentException(String.format("port 0x%04x: bad access size %d (1, 2 or 4)", port, size));
        }
    }

    private static void checkPort(int port) {
        if (port < 0 || port >= PORTS) {
            throw new IllegalArgumentException("port 0x" + Integer.toHexString(port) + " outside 0x0000-0xffff");
        }
    }
}
