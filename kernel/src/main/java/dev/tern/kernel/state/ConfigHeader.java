package dev.tern.kernel.state;

import dev.tern.spi.SpiVersion;
import dev.tern.spi.memory.GuestMemory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What machine a stream was saved from: written right after the file header so a loader can refuse
 * a stream for another machine before reading any section.
 *
 * @param machineType e.g. {@code "pc"}
 * @param pageSize the page size of RAM sections
 * @param spiVersion the SPI the saving kernel implemented
 * @param regions guest memory layout, ordered by base
 * @param vcpus the machine's vCPU count: one vCPU's registers and local APIC cannot be loaded into
 *        a machine that lacks that vCPU, so a loader refuses another count at once, naming both.
 *        Written only when above 1, so a single-vCPU stream is byte for byte what it was before
 *        SMP (and an older reader refuses an SMP stream at the header rather than at a section).
 */
public record ConfigHeader(String machineType, int pageSize, SpiVersion spiVersion, List<RegionLayout> regions,
                           int vcpus) {

    /** At most this many vCPUs in a stream (APIC IDs are one byte). */
    static final int MAX_VCPUS = 255;

    public ConfigHeader {
        Objects.requireNonNull(machineType, "machineType");
        Objects.requireNonNull(spiVersion, "spiVersion");
        regions = List.copyOf(regions);
        if (regions.size() > StreamLimits.REGIONS) {
            throw new IllegalArgumentException("more than " + StreamLimits.REGIONS + " memory regions");
        }
        if (vcpus < 1 || vcpus > MAX_VCPUS) {
            throw new IllegalArgumentException("vCPU count " + vcpus + " is not 1.." + MAX_VCPUS);
        }
    }

    /** A single-vCPU machine's header. */
    public ConfigHeader(String machineType, int pageSize, SpiVersion spiVersion, List<RegionLayout> regions) {
        this(machineType, pageSize, spiVersion, regions, 1);
    }

    /** The header for a single-vCPU machine of {@code machineType} over {@code memory}, current SPI. */
    public static ConfigHeader of(String machineType, GuestMemory memory) {
        return of(machineType, memory, 1);
    }

    /** The header for a machine of {@code machineType} with {@code vcpus} vCPUs over {@code memory}, current SPI. */
    public static ConfigHeader of(String machineType, GuestMemory memory, int vcpus) {
        List<RegionLayout> r = new ArrayList<>();
        memory.regions().forEach(x -> r.add(RegionLayout.of(x)));
        return new ConfigHeader(machineType, GuestMemory.PAGE_SIZE, SpiVersion.CURRENT, r, vcpus);
    }

    /**
     * Why a stream with header {@code got} cannot load into the machine this header describes
     * because of its vCPU count, or empty.
     */
    public Optional<String> vcpuMismatch(ConfigHeader got) {
        if (got.vcpus() == vcpus) {
            return Optional.empty();
        }
        return Optional.of("the stream was saved from a machine with " + got.vcpus() + " vCPU" + (got.vcpus() == 1 ? "" : "s")
                + ", this machine has " + vcpus + " (--smp " + vcpus + "): run it with --smp " + got.vcpus());
    }

    void write(PayloadOutput out) {
        out.text(machineType, "machine type");
        out.i32(pageSize);
        out.u16(spiVersion.major());
        out.u16(spiVersion.minor());
        out.varint(regions.size());
        for (RegionLayout r : regions) {
            out.text(r.name(), "region name");
            out.i64(r.base());
            out.i64(r.size());
            out.u8(r.readOnly() ? 1 : 0);
        }
        if (vcpus > 1) {
            out.varint(vcpus);
        }
    }

    static ConfigHeader read(PayloadInput in) throws SavedStateException {
        String type = in.text("machine type", StreamLimits.NAME_BYTES);
        long at = in.offset();
        int pageSize = in.i32("page size");
        if (pageSize <= 0 || Integer.bitCount(pageSize) != 1) {
            throw new SavedStateException(in.context() + ": page size " + pageSize + " is not a power of two", at);
        }
        SpiVersion spi = new SpiVersion(in.u16("SPI major"), in.u16("SPI minor"));
        int n = in.count("region count", 18, StreamLimits.REGIONS);
        List<RegionLayout> regions = new ArrayList<>(n);
        long prevEnd = 0;
        for (int i = 0; i < n; i++) {
            at = in.offset();
            String name = in.text("region name", StreamLimits.NAME_BYTES);
            long base = in.i64("region base");
            long size = in.i64("region size");
            int ro = in.u8("region flags");
            if (base < prevEnd || size <= 0 || base + size < base || ro > 1
                    || (base % pageSize) != 0 || (size % pageSize) != 0) {
                throw new SavedStateException(String.format("%s: region '%s' base 0x%x size 0x%x flags %d is not a"
                        + " sorted, page-aligned, non-overlapping range", in.context(), name, base, size, ro), at);
            }
            prevEnd = base + size;
            regions.add(new RegionLayout(name, base, size, ro == 1));
        }
        int vcpus = 1;
        if (in.remaining() > 0) {
            at = in.offset();
            vcpus = in.varint("vCPU count");
            if (vcpus < 2 || vcpus > MAX_VCPUS) {
                throw new SavedStateException(in.context() + ": vCPU count " + vcpus + " is not 2.." + MAX_VCPUS
                        + " (a single vCPU is written as no count)", at);
            }
        }
        in.expectEnd();
        return new ConfigHeader(type, pageSize, spi, regions, vcpus);
    }
}
