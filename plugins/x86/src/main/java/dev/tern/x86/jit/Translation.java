package dev.tern.x86.jit;

/** What translating one block gave: its compiled code, or why it has none. */
public sealed interface Translation {

    /** Host nanoseconds the translation took (building and defining the class; not HotSpot compiling it). */
    long nanos();

    /**
     * The block's translation; {@code stop} names why it covers only a prefix of the block (the
     * first instruction left to the interpreter), null when it covers all of it.
     */
    record Done(CompiledBlock code, String stop, long nanos) implements Translation {
    }

    /** No translation: {@code cause} names the first instruction outside the subset, or the branch that kept it out. */
    record Refused(String cause, long nanos) implements Translation {
    }
}
