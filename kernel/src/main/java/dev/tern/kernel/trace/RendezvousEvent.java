package dev.tern.kernel.trace;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * All vCPUs were brought to a common stop (for a dirty-log sync, a pause, a checkpoint). The event's
 * duration is how long the slowest vCPU took to arrive plus the work done while stopped.
 */
@Name("dev.tern.Rendezvous")
@Label("vCPU Rendezvous")
@Category("Tern")
@Description("All vCPUs stopped together to run an action")
public final class RendezvousEvent extends jdk.jfr.Event {

    /** Why the rendezvous happened. */
    @Label("Reason")
    public String reason;

    /** How many vCPUs took part. */
    @Label("Participants")
    public int participants;
}
