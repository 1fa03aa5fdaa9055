package dev.tern.x86;

/**
 * A segment register with its descriptor cache, as saved.
 *
 * @param selector visible selector
 * @param base cached base address
 * @param limit cached limit in bytes (granularity applied)
 * @param attr descriptor bits 40..55 (access byte, AVL, D/B, G)
 * @param usable false for a null selector loaded in protected mode
 */
public record SegmentState(int selector, int base, int limit, int attr, boolean usable) {

    /**
     * A real-mode segment as after reset, for {@code selector}. Real mode does not check segment
     * types, so every segment (CS included, as the SDM's reset state shows) is present read/write.
     */
    public static SegmentState real(int selector) {
        return new SegmentState(selector, selector << 4, 0xffff, 0x93, true);
    }
}
