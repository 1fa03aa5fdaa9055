package dev.tern.kernel.replay;

import dev.tern.kernel.state.RecordCodec;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.memory.RamRegion;
import dev.tern.spi.state.StateSection;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * A cheap fingerprint of a machine's guest-visible state: a CRC32C of every MiB of writable RAM
 * and of every saved-state section (vCPU registers, clock, interrupt routing, devices). A running
 * machine keeps the RAM part current from its dirty log ({@link RamPageCrcs}: only the pages
 * written since the previous fingerprint are read), so a recording can afford one every few
 * million instructions; keeping the parts separate lets a divergence report say which MiB or which
 * section differs.
 *
 * @param ramChunks CRC32C of each {@link #RAM_CHUNK}-byte chunk of writable RAM, in address order
 * @param sections each section's {@code name/instance}, in {@code Machine.sections()} order
 * @param sectionCrcs CRC32C of each section's encoded state, parallel to {@code sections}
 */
public record StateFingerprint(int[] ramChunks, List<String> sections, int[] sectionCrcs) {

    /** Bytes of RAM per chunk CRC. */
    public static final int RAM_CHUNK = 1 << 20;

    public StateFingerprint {
        ramChunks = ramChunks.clone();
        sections = List.copyOf(sections);
        sectionCrcs = sectionCrcs.clone();
        if (sections.size() != sectionCrcs.length) {
            throw new IllegalArgumentException(sections.size() + " section names but " + sectionCrcs.length + " CRCs");
        }
    }

    /** Fingerprints {@code ram} (reading all of it) and {@code sections}; call only while no vCPU runs. */
    public static StateFingerprint of(GuestMemory ram, List<StateSection<?>> sections) {
        var chunks = new ArrayList<Integer>();
        var crc = new CRC32C();
        for (RamRegion r : ram.regions()) {
            if (r.readOnly()) {
                continue;
            }
            for (long off = 0; off < r.length(); off += RAM_CHUNK) {
                long n = Math.min(RAM_CHUNK, r.length() - off);
                crc.reset();
                crc.update(r.segment().asSlice(off, n).asByteBuffer());
                chunks.add((int) crc.getValue());
            }
        }
        return of(chunks.stream().mapToInt(Integer::intValue).toArray(), sections);
    }

    /**
     * Fingerprints RAM whose chunk CRCs are known already ({@link RamPageCrcs#chunks()}, kept
     * current from the dirty log) and {@code sections}; call only while no vCPU runs.
     */
    public static StateFingerprint of(int[] ramChunks, List<StateSection<?>> sections) {
        var crc = new CRC32C();
        var names = new ArrayList<String>();
        int[] crcs = new int[sections.size()];
        for (int i = 0; i < sections.size(); i++) {
            StateSection<?> s = sections.get(i);
            names.add(s.name() + "/" + s.instance());
            crc.reset();
            crc.update(encode(s));
            crcs[i] = (int) crc.getValue();
        }
        return new StateFingerprint(ramChunks, names, crcs);
    }

    /**
     * Whether {@code other} has as many RAM chunks and the same sections in the same order: then
     * the two differ only in CRCs, and a log codes one as the changes from the other.
     */
    public boolean sameShape(StateFingerprint other) {
        return ramChunks.length == other.ramChunks.length && sections.equals(other.sections);
    }

    /** The guest-physical range of RAM chunk {@code index} of {@code ram}. */
    static String chunkRange(GuestMemory ram, int index) {
        int i = 0;
        for (RamRegion r : ram.regions()) {
            if (r.readOnly()) {
                continue;
            }
            for (long off = 0; off < r.length(); off += RAM_CHUNK, i++) {
                if (i == index) {
                    return String.format("0x%x-0x%x", r.base() + off, r.base() + Math.min(r.length(), off + RAM_CHUNK) - 1);
                }
            }
        }
        return "chunk " + index;
    }

    private static <S extends Record> byte[] encode(StateSection<S> section) {
        return RecordCodec.of(section.stateType()).encode(section.save());
    }

    /** One 64-bit summary of every part, printed by the CLI and {@code tern analyze}. */
    public String summary() {
        long h = 0xcbf29ce484222325L;
        for (int c : ramChunks) {
            h = (h ^ (c & 0xffffffffL)) * 0x100000001b3L;
        }
        for (int i = 0; i < sectionCrcs.length; i++) {
            h = (h ^ sections.get(i).hashCode()) * 0x100000001b3L;
            h = (h ^ (sectionCrcs[i] & 0xffffffffL)) * 0x100000001b3L;
        }
        return HexFormat.of().toHexDigits(h);
    }

    /**
     * What differs between this (the live state of {@code ram}'s machine) and {@code recorded}, or
     * empty when nothing does. Names the first few differing MiB of RAM and every differing section.
     */
    public Optional<String> difference(StateFingerprint recorded, GuestMemory ram) {
        var parts = new ArrayList<String>();
        if (ramChunks.length != recorded.ramChunks.length) {
            parts.add("RAM size differs (" + ramChunks.length + " MiB live, " + recorded.ramChunks.length + " MiB recorded)");
        } else {
            var mib = new ArrayList<String>();
            int differing = 0;
            for (int i = 0; i < ramChunks.length; i++) {
                if (ramChunks[i] != recorded.ramChunks[i]) {
                    differing++;
                    if (mib.size() < 4) {
                        mib.add(chunkRange(ram, i));
                    }
                }
            }
            if (differing > 0) {
                parts.add("RAM differs in " + differing + " MiB (" + String.join(", ", mib) + (differing > mib.size() ? ", ..." : "") + ")");
            }
        }
        if (!sections.equals(recorded.sections)) {
            parts.add("the machine's sections differ (live " + sections + ", recorded " + recorded.sections + ")");
        } else {
            for (int i = 0; i < sectionCrcs.length; i++) {
                if (sectionCrcs[i] != recorded.sectionCrcs[i]) {
                    parts.add("section " + sections.get(i) + " differs");
                }
            }
        }
        return parts.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", parts));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateFingerprint f && Arrays.equals(ramChunks, f.ramChunks) && sections.equals(f.sections)
                && Arrays.equals(sectionCrcs, f.sectionCrcs);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(ramChunks), sections, Arrays.hashCode(sectionCrcs));
    }

    @Override
    public String toString() {
        return "StateFingerprint[" + ramChunks.length + " MiB, " + sections.size() + " sections, " + summary() + "]";
    }
}
