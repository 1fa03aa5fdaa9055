package dev.tern.kernel.migration;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** One phase of a migration's switch-over pause, as {@code info migrate}'s downtime phases name it (flight recorder). */
@Name("dev.tern.MigrationPausePhase")
@Label("Migration Pause Phase")
@Category({"Tern", "Migration"})
@Description("A phase of the switch-over, with the guest paused: pause and last sync, last pages, devices, "
        + "waiting for the destination")
final class PausePhaseEvent extends jdk.jfr.Event {

    /** The phase, e.g. {@code 2-last-pages}. */
    @Label("Phase")
    public String phase;

    /** Bytes put on the wire during the phase. */
    @Label("Sent")
    @DataAmount
    public long sentBytes;
}
