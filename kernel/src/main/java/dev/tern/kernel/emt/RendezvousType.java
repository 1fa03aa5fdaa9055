package dev.tern.kernel.emt;

/** How the callback of a rendezvous is executed once every EMT has gathered. */
public enum RendezvousType {
    /** Only on the initiating EMT, while the others wait. */
    ONCE,
    /** On every EMT, one at a time, in the order the EMTs arrived. */
    ONE_BY_ONE,
    /** On every EMT concurrently. */
    ALL_AT_ONCE,
    /** On every EMT, one at a time, by ascending vCPU id. */
    ASCENDING,
    /** On every EMT, one at a time, by descending vCPU id. */
    DESCENDING;

    /**
     * Whether a callback of this type may start a nested rendezvous. Only the types that run one
     * callback at a time can: with concurrent callbacks two of them could each try to gather the
     * others, which is a deadlock by construction.
     */
    public boolean allowsRecursion() {
        return this != ALL_AT_ONCE;
    }

    /** Whether callbacks of this type run one at a time. */
    public boolean sequential() {
        return this != ALL_AT_ONCE;
    }
}
