package dev.tern.kernel.migration;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A phase of an incoming migration on the destination (flight recorder). */
@Name("dev.tern.MigrationReceivePhase")
@Label("Migration Receive Phase")
@Category({"Tern", "Migration"})
@Description("An incoming migration's phase: ram (the RAM stream, from the connection to its end), "
        + "end-part (the RAM stream's final part, applied while the source waits), devices (verify and load)")
final class ReceivePhaseEvent extends jdk.jfr.Event {

    /** {@code ram}, {@code end-part} or {@code devices}. */
    @Label("Phase")
    public String phase;

    /** Bytes of the phase's input. */
    @Label("Received")
    @DataAmount
    public long bytes;
}
