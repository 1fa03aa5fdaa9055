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

    /** A real-mode segment as after reset, for {@code selector}. */
    public static SegmentState real(int selector, boolean code) {
        return new SegmentState(selector, selector << 4, 0xffff, code ? 0x9b : 0x93, true);
    }
}
