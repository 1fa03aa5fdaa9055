package dev.tern.x86.core;

/**
 * An x86 exception raised while executing an instruction. Thrown through the interpreter so the
 * faulting instruction does not retire; stack traces are disabled because faults are a normal path
 * (page faults happen thousands of times a second under an OS).
 */
public final class CpuFault extends RuntimeException {

    /** Exception vectors used by the core. */
    public static final int DE = 0, DB = 1, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8,
            TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17;

    private final int vector;
    private final int errorCode;
    private final boolean hasErrorCode;

    private CpuFault(int vector, int errorCode, boolean hasErrorCode) {
        super(null, null, false, false);
        this.vector = vector;
        this.errorCode = errorCode;
        this.hasErrorCode = hasErrorCode;
    }

    /** A fault without error code. */
    public static CpuFault of(int vector) {
        return new CpuFault(vector, 0, false);
    }

    /** A fault that pushes {@code errorCode}. */
    public static CpuFault withCode(int vector, int errorCode) {
        return new CpuFault(vector, errorCode, true);
    }

    /** #GP with error code. */
    public static CpuFault gp(int code) {
        return withCode(GP, code);
    }

    /** #UD. */
    public static CpuFault ud() {
        return of(UD);
    }

    public int vector() {
        return vector;
    }

    public int errorCode() {
        return errorCode;
    }

    public boolean hasErrorCode() {
        return hasErrorCode;
    }

    /** Whether this is a contributory exception for the double-fault rules. */
    public boolean contributory() {
        return vector == DE || (vector >= TS && vector <= GP);
    }

    @Override
    public String getMessage() {
        return "exception " + vector + (hasErrorCode ? " error 0x" + Integer.toHexString(errorCode) : "");
    }
}
