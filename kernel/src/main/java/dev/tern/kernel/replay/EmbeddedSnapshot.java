package dev.tern.kernel.replay;

import dev.tern.kernel.state.StateSource;

import java.util.Objects;

/**
 * A machine snapshot a recording embedded ({@code --record-snapshot-every}): the saved state at
 * {@code instructions}, taken at the first slice boundary there, before that point's inputs. The
 * state is not held in memory: {@link #state()} reads it from the log when a replay starts or goes
 * back there.
 *
 * @param instructions vCPU 0's instruction count the snapshot was taken at
 * @param block the log block holding it
 * @param offset the file offset of that block
 * @param stateBytes the length of the saved-state stream
 * @param state the saved-state stream ({@code docs/formats/saved-state.md}), readable more than once
 */
public record EmbeddedSnapshot(long instructions, int block, long offset, long stateBytes, StateSource state) {

    public EmbeddedSnapshot {
        Objects.requireNonNull(state, "state");
    }

    /** Where it is, for messages: "snapshot at instruction N (block B at offset O)". */
    public String describe() {
        return "snapshot at instruction " + instructions + " (block " + block + " at offset " + offset + ")";
    }
}
