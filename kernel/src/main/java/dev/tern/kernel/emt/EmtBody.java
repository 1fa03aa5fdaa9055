package dev.tern.kernel.emt;

/**
 * One slice of a vCPU's work, called repeatedly by its {@link Emt}. A step must return promptly once
 * the EMT is kicked (the group's kick action makes the vCPU leave its run slice); a body with nothing
 * to do (halted vCPU) idles with {@link Emt#awaitWork(long)} and returns when it reports work.
 */
@FunctionalInterface
public interface EmtBody {

    /** Runs one slice on {@code emt}'s thread. An exception stops the body of that EMT and is reported. */
    void step(Emt emt) throws Exception;
}
