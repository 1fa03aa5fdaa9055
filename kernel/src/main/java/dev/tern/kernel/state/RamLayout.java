package dev.tern.kernel.state;

import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.memory.RamRegion;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The writable RAM regions as a RAM stream states them (count, then name, base and length of each),
 * so the receiver can refuse RAM laid out differently from its own. Snapshots ({@link RamSection})
 * and migration ({@code MigratingRam}) write and check it the same way.
 */
public final class RamLayout {

    private RamLayout() {
    }

    /** The regions a RAM stream carries: every region of {@code memory} that is not read-only. */
    public static List<RamRegion> writable(GuestMemory memory) {
        return memory.regions().stream().filter(r -> !r.readOnly()).toList();
    }

    /** Writes {@code regions}. */
    public static void write(DataOutput out, List<RamRegion> regions) throws IOException {
        out.writeInt(regions.size());
        for (RamRegion r : regions) {
            byte[] name = r.name().getBytes(StandardCharsets.UTF_8);
            out.writeShort(name.length);
            out.write(name);
            out.writeLong(r.base());
            out.writeLong(r.length());
        }
    }

    /**
     * Reads a layout and checks it equals {@code regions}.
     *
     * @throws IOException naming the first difference, or a name longer than {@link StreamLimits#NAME_BYTES}
     */
    public static void check(DataInput in, List<RamRegion> regions) throws IOException {
        int n = in.readInt();
        if (n != regions.size()) {
            throw new IOException("ram: stream has " + n + " writable regions, this machine " + regions.size());
        }
        for (RamRegion r : regions) {
            int len = in.readUnsignedShort();
            if (len > StreamLimits.NAME_BYTES) {
                throw new IOException("ram: region name of " + len + " bytes exceeds " + StreamLimits.NAME_BYTES);
            }
            byte[] name = new byte[len];
            in.readFully(name);
            String got = new String(name, StandardCharsets.UTF_8);
            long base = in.readLong();
            long size = in.readLong();
            if (!got.equals(r.name()) || base != r.base() || size != r.length()) {
                throw new IOException(String.format("ram: stream region '%s' 0x%x+0x%x does not match this machine's"
                        + " '%s' 0x%x+0x%x", got, base, size, r.name(), r.base(), r.length()));
            }
        }
    }
}
