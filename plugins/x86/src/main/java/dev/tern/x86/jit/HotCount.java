package dev.tern.x86.jit;

/**
 * What a compiling tier's threshold counts before a block is translated: its entries, or the
 * instructions run in it (entries times the block's length), which makes a long block hot after
 * fewer entries — a translation's cost is mostly per class, its gain per instruction.
 */
public enum HotCount {
    /** The threshold is the block's entries. */
    ENTRIES,
    /** The threshold is entries times the block's instructions (at least one entry). */
    INSTRUCTIONS
}
