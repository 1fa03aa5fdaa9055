package dev.tern.x86.conformance;

/**
 * The register file a vector set describes: the 16-bit one of the 8086/80286 sets (JSON) or the
 * 32-bit one of the 80386 set (MOO RG32, or its JSON conversion). It decides which registers are
 * loaded and compared, and which FLAGS bits the model can be held to.
 */
enum RegisterFile {
    /** The 286 set: FLAGS bits 12-15 read as 0 in a 286's real mode, so they are neither loaded nor compared. */
    R16(new String[] {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"}, new String[] {"es", "cs", "ss", "ds"},
            "ip", "flags", 0xffff, ConformanceMasks.INITIAL_FLAGS, 0xffff & ~ConformanceMasks.FLAGS_286_HIGH),
    /**
     * The 386 set: its EFLAGS images carry whatever the 386EX's SMM dump held above bit 17, and
     * RF/VM are not real-mode state, so only bits 0-14 are loaded and compared. TF neither: the set
     * does not exercise the trap flag, yet the example in its README starts with bit 8 set and ends
     * with it clear after an ADD that did not trap.
     */
    R32(new String[] {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"},
            new String[] {"es", "cs", "ss", "ds", "fs", "gs"}, "eip", "eflags", 0xffffffff, 0x7ed5, 0x7ed5);

    final String[] gprs;
    final String[] segments;
    final String ip;
    final String flags;
    /** The bits of a general register or EIP compared. */
    final int width;
    /** The initial FLAGS bits kept when loading a test. */
    final int initialFlags;
    /** The FLAGS bits compared (before the set's undefined-flag masks). */
    final int comparedFlags;

    RegisterFile(String[] gprs, String[] segments, String ip, String flags, int width, int initialFlags,
                 int comparedFlags) {
        this.gprs = gprs;
        this.segments = segments;
        this.ip = ip;
        this.flags = flags;
        this.width = width;
        this.initialFlags = initialFlags;
        this.comparedFlags = comparedFlags;
    }

    /** The register file of a test's initial registers. */
    static RegisterFile of(java.util.Map<?, ?> initialRegs) {
        return initialRegs.containsKey("eax") ? R32 : R16;
    }
}
