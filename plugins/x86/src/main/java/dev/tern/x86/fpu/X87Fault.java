package dev.tern.x86.fpu;

/**
 * Thrown by {@link X87#execute} when the instruction must not complete and the CPU has to
 * raise an exception instead. The X87 state is unchanged when this is thrown.
 */
public final class X87Fault extends RuntimeException {

    /** Invalid opcode: an undefined ESC encoding. */
    public static final int UD = 6;
    /**
     * x87 floating-point error: a waiting instruction found an unmasked exception pending. With
     * CR0.NE=0 the CPU signals IRQ13 (FERR#) instead and retries after the handler ran.
     */
    public static final int MF = 16;

    private final int vector;

    public X87Fault(int vector, String message) {
        super(message);
        this.vector = vector;
    }

    /** The x86 exception vector to raise. */
    public int vector() {
        return vector;
    }
}
