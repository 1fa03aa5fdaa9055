package dev.tern.kernel.replay;

import dev.tern.spi.memory.GuestMemory;
import dev.tern.spi.replay.ReplayFilter;

import java.io.IOException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The machine's side of record/replay: a {@link ReplayFilter} on the input path, plus what only
 * the kernel does with a log — state checkpoints, host-time readings taken where a device asks,
 * and the end marker. One per machine; every method but {@link #input} runs on vCPU 0's thread
 * (or before the machine starts).
 */
public sealed interface ReplayJournal extends ReplayFilter permits LiveJournal, RecordingJournal, ReplayingJournal {

    /** The machine this journal serves was built with {@code ram} (for naming RAM ranges in reports). */
    default void bind(GuestMemory ram) {
    }

    /** Instructions between state checkpoints; 0 for none. */
    default long checkpointInterval() {
        return 0;
    }

    /**
     * vCPU 0 is at {@code instructions}, a multiple of {@link #checkpointInterval()}: a recording
     * logs the state, a replay compares it with the logged one.
     *
     * @throws ReplayDivergence when the state differs from the recording's
     */
    default void checkpoint(long instructions, Supplier<StateFingerprint> state) throws IOException {
    }

    /** Instructions between snapshots a recording embeds in its log; 0 for none. */
    default long snapshotInterval() {
        return 0;
    }

    /**
     * vCPU 0 is at {@code instructions}, a positive multiple of {@link #snapshotInterval()}, at the
     * first slice boundary there: a recording writes the machine's saved state into its log.
     */
    default void snapshot(long instructions, StateWriter state) throws IOException {
    }

    /**
     * A device reads host time at {@code instructions}/{@code haltRound}: a recording logs the live
     * reading, a replay returns the logged one.
     *
     * @throws ReplayDivergence in a replay whose log has no such reading there
     */
    long hostClock(String target, long instructions, int haltRound, long live) throws IOException;

    /** The guest idles: a good moment to write what is pending. */
    default void idle() throws IOException {
    }

    /**
     * In a replay: the instruction count where the recording ended — at its end marker, or for a
     * recording cut short at its last logged entry.
     */
    default OptionalLong recordedEnd() {
        return OptionalLong.empty();
    }

    /** In a replay of a recording cut short (no end marker): how; the replay stops where the log stops. */
    default Optional<String> truncation() {
        return Optional.empty();
    }

    /**
     * The run ended at {@code instructions}: a recording writes the end marker and closes the log;
     * a replay compares with the logged end.
     *
     * @throws ReplayDivergence when the replay ended elsewhere or in another state
     */
    default void end(long instructions, String reason, StateFingerprint state) throws IOException {
    }

    /** Closes the log without an end marker (the machine failed or was closed before it ran). */
    default void abandon() {
    }

    /** One line for the user: what was recorded or replayed. */
    default String summary() {
        return "";
    }

    /**
     * A replay went back: the machine was loaded from a snapshot taken at {@code instructions},
     * before that point's inputs. The journal supplies its log again from there.
     *
     * @throws UnsupportedOperationException when this journal is not a replay
     */
    default void rewindTo(long instructions) {
        throw new UnsupportedOperationException("only a replay can go back in time");
    }

    /**
     * A replay starts late: the machine, not started yet, was loaded from a snapshot the recording
     * embedded at {@code instructions}. Like {@link #rewindTo}, but what lies before is not counted
     * as replayed.
     *
     * @throws UnsupportedOperationException when this journal is not a replay
     */
    default void startAt(long instructions) {
        throw new UnsupportedOperationException("only a replay can start from a recorded snapshot");
    }
}
