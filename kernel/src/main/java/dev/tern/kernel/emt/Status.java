package dev.tern.kernel.emt;

/**
 * Status codes returned by rendezvous callbacks and by {@link Rendezvous#run}, following VirtualBox's
 * convention: {@code 0} is success, negative values are errors and positive values are informational
 * statuses. The values of the constants taken from VirtualBox are VirtualBox's own, so logs and
 * traces can be compared with it.
 *
 * <h2>Merge rule ({@link #merge})</h2>
 * Statuses produced during one rendezvous are folded in the order they were produced:
 * <ol>
 *   <li>the first error wins: once an error has been merged, later statuses (errors included) are
 *       ignored;</li>
 *   <li>otherwise an error replaces any informational status or success;</li>
 *   <li>success never replaces anything;</li>
 *   <li>between two informational statuses the more important one wins. Inside the execution-manager
 *       scheduling range {@link #EM_FIRST}..{@link #EM_LAST} the LOWER value is the more important
 *       one (VirtualBox orders that range by scheduling importance: terminate beats off beats
 *       suspend beats reset beats halt ...). Any informational status outside that range ranks below
 *       every EM status; between two such statuses the earlier one is kept.</li>
 * </ol>
 * VirtualBox itself only lets EM scheduling statuses out of a rendezvous and then simply keeps the
 * numerically lower one; rule 4 is identical on that range and gives a stable, documented answer for
 * the other informational codes Tern components might return.
 */
public final class Status {

    /** Success. */
    public static final int SUCCESS = 0;

    /** VERR_DEADLOCK: the rendezvous would deadlock (recursion refused or too deep). */
    public static final int DEADLOCK = -365;
    /** VERR_INVALID_PARAMETER. */
    public static final int INVALID_PARAMETER = -2;
    /** VERR_INTERNAL_ERROR. */
    public static final int INTERNAL_ERROR = -225;
    /**
     * Tern-specific (VirtualBox callbacks cannot throw): a rendezvous callback threw; the throwable is
     * delivered to the initiator in a {@link RendezvousException}.
     */
    public static final int CALLBACK_EXCEPTION = -30_001;

    /** First scheduling status (VINF_EM_FIRST). */
    public static final int EM_FIRST = 1100;
    /** VINF_EM_TERMINATE: the VM is being terminated, execution shall stop. */
    public static final int EM_TERMINATE = 1100;
    /** VINF_EM_DBG_STOP: suspend for the debugger. */
    public static final int EM_DBG_STOP = 1105;
    /** VINF_EM_OFF: the VM is being powered off. */
    public static final int EM_OFF = 1109;
    /** VINF_EM_SUSPEND: the VM was suspended; wait for a request. */
    public static final int EM_SUSPEND = 1110;
    /** VINF_EM_RESET: the VM was reset. */
    public static final int EM_RESET = 1111;
    /** VINF_EM_HALT: the vCPU executed HLT and waits for an interrupt. */
    public static final int EM_HALT = 1112;
    /** VINF_EM_RESUME: the VM was resumed. */
    public static final int EM_RESUME = 1113;
    /** VINF_EM_NO_MEMORY: out-of-memory condition to deal with. */
    public static final int EM_NO_MEMORY = 1114;
    /** VINF_EM_RESCHEDULE: rescheduling is required. */
    public static final int EM_RESCHEDULE = 1118;
    /** VINF_EM_WAIT_SIPI: go back to waiting for a startup IPI. */
    public static final int EM_WAIT_SIPI = 1120;
    /** Last scheduling status, inclusive (VINF_EM_LAST). */
    public static final int EM_LAST = 1120;
    /** VINF_EM_PENDING_REQUEST: a request is pending (outside the EM scheduling range). */
    public static final int EM_PENDING_REQUEST = 1150;

    private Status() {
    }

    /** True for error statuses (negative). */
    public static boolean isError(int status) {
        return status < 0;
    }

    /** True for success and informational statuses (non-negative). */
    public static boolean isSuccess(int status) {
        return status >= 0;
    }

    /** True for informational statuses (positive). */
    public static boolean isInformational(int status) {
        return status > 0;
    }

    /** True if {@code status} is an EM scheduling status ({@link #EM_FIRST}..{@link #EM_LAST}). */
    public static boolean isEmScheduling(int status) {
        return status >= EM_FIRST && status <= EM_LAST;
    }

    /**
     * Folds {@code next} into the accumulated status {@code acc}; {@code acc} must be the merge of
     * everything produced before {@code next}. See the class documentation for the rule.
     */
    public static int merge(int acc, int next) {
        if (isError(acc)) {
            return acc;
        }
        if (isError(next)) {
            return next;
        }
        if (next == SUCCESS) {
            return acc;
        }
        if (acc == SUCCESS) {
            return next;
        }
        return moreImportant(next, acc) ? next : acc;
    }

    /** Folds only the non-error part of {@code next}: what a non-initiating EMT may learn. */
    static int mergeInformational(int acc, int next) {
        return isError(next) ? acc : merge(acc, next);
    }

    private static boolean moreImportant(int candidate, int current) {
        boolean candidateEm = isEmScheduling(candidate);
        boolean currentEm = isEmScheduling(current);
        if (candidateEm && currentEm) {
            return candidate < current;
        }
        return candidateEm;
    }

    /** A readable name for diagnostics, e.g. {@code "EM_SUSPEND(1110)"} or {@code "-42"}. */
    public static String describe(int status) {
        String name = switch (status) {
            case SUCCESS -> "SUCCESS";
            case DEADLOCK -> "DEADLOCK";
            case INVALID_PARAMETER -> "INVALID_PARAMETER";
            case INTERNAL_ERROR -> "INTERNAL_ERROR";
            case CALLBACK_EXCEPTION -> "CALLBACK_EXCEPTION";
            case EM_TERMINATE -> "EM_TERMINATE";
            case EM_DBG_STOP -> "EM_DBG_STOP";
            case EM_OFF -> "EM_OFF";
            case EM_SUSPEND -> "EM_SUSPEND";
            case EM_RESET -> "EM_RESET";
            case EM_HALT -> "EM_HALT";
            case EM_RESUME -> "EM_RESUME";
            case EM_NO_MEMORY -> "EM_NO_MEMORY";
            case EM_RESCHEDULE -> "EM_RESCHEDULE";
            case EM_WAIT_SIPI -> "EM_WAIT_SIPI";
            case EM_PENDING_REQUEST -> "EM_PENDING_REQUEST";
            default -> null;
        };
        return name == null ? Integer.toString(status) : name + "(" + status + ")";
    }
}
