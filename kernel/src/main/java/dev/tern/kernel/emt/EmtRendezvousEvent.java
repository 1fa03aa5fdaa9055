package dev.tern.kernel.emt;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** JFR event covering one rendezvous, from its start on the initiator until every EMT has left it. */
@Name("dev.tern.Rendezvous")
@Label("EMT Rendezvous")
@Category({"Tern", "EMT"})
@Description("All EMTs of a group gathered to run a callback")
final class EmtRendezvousEvent extends Event {

    @Label("Group")
    String group;

    @Label("Type")
    String type;

    @Label("vCPUs")
    int vcpus;

    @Label("Initiator")
    @Description("vCPU id of the initiating EMT")
    int initiator;

    @Label("Depth")
    @Description("0 for an outer rendezvous, 1..3 for nested ones")
    int depth;

    @Label("Status")
    int status;
}
