package dev.tern.kernel.trace;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** The VM lifecycle moved from one state to another. */
@Name("dev.tern.VmStateChange")
@Label("VM State Change")
@Category("Tern")
@Description("The virtual machine's run state changed")
public final class VmStateChangeEvent extends jdk.jfr.Event {

    /** The state left. */
    @Label("From")
    public String from;

    /** The state entered. */
    @Label("To")
    public String to;
}
