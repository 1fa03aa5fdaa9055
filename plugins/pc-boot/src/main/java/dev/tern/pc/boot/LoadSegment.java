package dev.tern.pc.boot;

/**
 * One {@code PT_LOAD} program header's contents: {@code data} goes to {@code physicalAddress} and
 * the following {@code memorySize - data.length} bytes are zeroed (the BSS part).
 *
 * @param physicalAddress guest-physical address of the first byte
 * @param data            the file bytes ({@code p_filesz} of them)
 * @param memorySize      bytes the segment occupies in memory ({@code p_memsz})
 */
public record LoadSegment(long physicalAddress, byte[] data, long memorySize) {

    /** First address after the segment. */
    public long end() {
        return physicalAddress + memorySize;
    }
}
