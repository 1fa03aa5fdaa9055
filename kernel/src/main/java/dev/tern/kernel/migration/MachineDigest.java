package dev.tern.kernel.migration;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSnapshot;
import dev.tern.spi.memory.RamRegion;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.ValueLayout;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 fingerprints of a stopped machine, to show two machines hold the same state (source and
 * destination of a migration, or a migrated run and one that never migrated).
 */
public final class MachineDigest {

    private MachineDigest() {
    }

    /** Over the contents of every writable RAM region, in address order. */
    public static String ram(Machine machine) {
        MessageDigest sha = sha256();
        byte[] chunk = new byte[1 << 16];
        for (RamRegion r : machine.memory().regions()) {
            if (r.readOnly()) {
                continue;
            }
            for (long off = 0; off < r.length(); off += chunk.length) {
                int n = (int) Math.min(chunk.length, r.length() - off);
                java.lang.foreign.MemorySegment.copy(r.segment(), ValueLayout.JAVA_BYTE, off, chunk, 0, n);
                sha.update(chunk, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Over the whole saved state: RAM, vCPUs, clock and every device section. */
    public static String full(Machine machine) throws IOException {
        MessageDigest sha = sha256();
        MachineSnapshot.save(machine, new OutputStream() {
            @Override
            public void write(int b) {
                sha.update((byte) b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                sha.update(b, off, len);
            }
        });
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
