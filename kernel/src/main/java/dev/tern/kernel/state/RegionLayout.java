package dev.tern.kernel.state;

import dev.tern.spi.memory.RamRegion;

import java.util.Objects;

/**
 * One guest memory region as recorded in the configuration header.
 *
 * @param name region name
 * @param base guest-physical base
 * @param size length in bytes
 * @param readOnly true for ROM
 */
public record RegionLayout(String name, long base, long size, boolean readOnly) {

    public RegionLayout {
        Objects.requireNonNull(name, "name");
    }

    /** The layout of a live region. */
    public static RegionLayout of(RamRegion r) {
        return new RegionLayout(r.name(), r.base(), r.length(), r.readOnly());
    }

    @Override
    public String toString() {
        return String.format("%s 0x%x-0x%x%s", name, base, base + size - 1, readOnly ? " ro" : "");
    }
}
