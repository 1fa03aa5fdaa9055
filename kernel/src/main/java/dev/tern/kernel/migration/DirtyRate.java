package dev.tern.kernel.migration;

import dev.tern.spi.memory.GuestMemory;

import java.util.Locale;

/**
 * How fast the guest dirties its memory, measured over a period without migrating (QEMU's
 * {@code calc-dirty-rate}, page-sampling-free: Tern's dirty log sees every page).
 *
 * @param pages distinct pages written during the period
 * @param periodMs the measured period
 */
public record DirtyRate(long pages, long periodMs) {

    public DirtyRate {
        if (pages < 0 || periodMs <= 0) {
            throw new IllegalArgumentException("a dirty rate needs pages >= 0 and a period > 0: " + pages + ", "
                    + periodMs + " ms");
        }
    }

    /** Distinct pages dirtied per second. */
    public double pagesPerSecond() {
        return pages * 1000.0 / periodMs;
    }

    /** Megabytes (10^6 bytes) dirtied per second, as QEMU reports it. */
    public double megabytesPerSecond() {
        return pagesPerSecond() * GuestMemory.PAGE_SIZE / 1e6;
    }

    /** The lines of {@code info dirty_rate}. */
    public String render() {
        return String.format(Locale.ROOT, "Dirty rate: %.1f MB/s%nDirty pages: %d in %d ms (%.0f pages/s)%n",
                megabytesPerSecond(), pages, periodMs, pagesPerSecond());
    }
}
