package dev.tern.pc.boot;

import dev.tern.spi.memory.GuestMemory;
import java.util.List;

/**
 * Everything a PC machine needs to start a Linux kernel directly: the firmware ROM to map at the
 * top of the first MiB and of 4 GiB, and the blobs to write into RAM before the CPU leaves reset.
 *
 * @param firmware the {@link BootStub} ROM, {@link BootStub#SIZE} bytes
 * @param blobs    RAM contents, sorted by address and non-overlapping
 * @param entry    physical address the stub jumps to
 */
public record BootImage(byte[] firmware, List<GuestBlob> blobs, long entry) {

    public BootImage {
        blobs = List.copyOf(blobs);
    }

    /**
     * Writes every blob into guest memory.
     *
     * @throws InvalidImageException naming the blob when any part of it would land outside
     *                               writable RAM (such writes would otherwise be dropped silently);
     *                               nothing is written in that case
     */
    public void load(GuestMemory memory) {
        blobs.forEach(blob -> checkInRam(memory, blob));
        for (var blob : blobs) {
            memory.write(blob.address(), blob.data(), 0, blob.data().length);
        }
    }

    private static void checkInRam(GuestMemory memory, GuestBlob blob) {
        long at = blob.address();
        while (at < blob.end()) {
            var region = memory.regionAt(at);
            if (region == null || region.readOnly()) {
                throw new InvalidImageException(String.format("%s: address 0x%X is not in writable guest RAM%s",
                        blob, at, region == null ? "" : " (" + region.name() + " is read-only)"));
            }
            at = region.end();
        }
    }
}
