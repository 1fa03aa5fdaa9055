package dev.tern.kernel.replay;

import java.io.IOException;
import java.io.OutputStream;

/** Writes a machine's saved state (a {@code MachineSnapshot}) to a stream: how a recording embeds a snapshot. */
@FunctionalInterface
public interface StateWriter {

    /** Writes the state to {@code out}, leaving it open. */
    void writeTo(OutputStream out) throws IOException;
}
